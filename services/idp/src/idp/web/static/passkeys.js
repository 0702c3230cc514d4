// Passkeys (WebAuthn) on Madoguchi ID's sign-in and account pages.
//
// Each <form data-passkey="sign-in|register"> names two JSON endpoints (data-options-url,
// data-verify-url) and carries its sentences in data-text-* attributes (already translated).
// The script asks for options, lets the browser talk to the authenticator, sends the answer
// back, then goes where the server says (`redirect`). Progress and errors are written to the
// form's [data-passkey-status] region (role="status", aria-live="polite").
//
// Without this script the forms post to a page that says passkeys cannot be used here.

const toBytes = (text) => {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const binary = atob(padded)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}

const toText = (buffer) => {
  const bytes = new Uint8Array(buffer)
  let binary = ''
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i])
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const descriptors = (list) => (list || []).map((item) => ({ ...item, id: toBytes(item.id) }))

function creationOptions (json) {
  return {
    ...json,
    challenge: toBytes(json.challenge),
    user: { ...json.user, id: toBytes(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials)
  }
}

function requestOptions (json) {
  return {
    ...json,
    challenge: toBytes(json.challenge),
    allowCredentials: descriptors(json.allowCredentials)
  }
}

function credentialJSON (credential) {
  const response = credential.response
  const body = {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toText(response.clientDataJSON) }
  }
  if (response.attestationObject) {
    body.response.attestationObject = toText(response.attestationObject)
    if (typeof response.getTransports === 'function') {
      body.response.transports = response.getTransports()
    }
  } else {
    body.response.authenticatorData = toText(response.authenticatorData)
    body.response.signature = toText(response.signature)
    if (response.userHandle) body.response.userHandle = toText(response.userHandle)
  }
  return body
}

class Refused extends Error {}

// Go to `url`; when only its #fragment differs from this page's, load the page again (the
// account page lists the passkey just added).
function go (url) {
  const target = new URL(url, window.location.href)
  const here = new URL(window.location.href)
  target.hash = here.hash = ''
  if (target.href === here.href) {
    window.location.hash = new URL(url, window.location.href).hash
    window.location.reload()
  } else {
    window.location.assign(url)
  }
}

async function post (url, token, body, fallback) {
  let response
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-CSRFToken': token
      },
      body: JSON.stringify(body)
    })
  } catch {
    throw new Refused(fallback)
  }
  let data = {}
  try {
    data = await response.json()
  } catch {}
  if (!response.ok) throw new Refused(data.message || fallback)
  return data
}

function start (form) {
  const kind = form.dataset.passkey
  const text = form.dataset
  const status = form.querySelector('[data-passkey-status]')
  const button = form.querySelector('button')
  const token = form.querySelector('input[name="csrf_token"]').value
  const nameInput = form.querySelector('input[name="name"]')

  const say = (message, isError = false) => {
    status.textContent = message
    status.classList.toggle('govuk-error-message', isError)
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(text.textUnsupported, true)
      return
    }
    button.disabled = true
    button.setAttribute('aria-disabled', 'true')
    try {
      const extra = nameInput ? { name: nameInput.value } : {}
      const options = await post(form.dataset.optionsUrl, token, extra, text.textFailed)
      say(text.textWorking)
      let credential
      try {
        credential = kind === 'register'
          ? await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) })
          : await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) })
      } catch (error) {
        const cancelled = error && (error.name === 'NotAllowedError' || error.name === 'AbortError')
        throw new Refused(cancelled ? text.textCancelled : text.textFailed)
      }
      if (!credential) throw new Refused(text.textCancelled)
      say(text.textChecking)
      const answer = await post(
        form.dataset.verifyUrl, token, { ...extra, credential: credentialJSON(credential) }, text.textFailed
      )
      say(text.textDone)
      go(answer.redirect)
    } catch (error) {
      say(error instanceof Refused ? error.message : text.textFailed, true)
      button.disabled = false
      button.removeAttribute('aria-disabled')
    }
  })
}

document.querySelectorAll('form[data-passkey]').forEach(start)
