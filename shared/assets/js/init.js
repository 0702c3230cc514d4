// Start GOV.UK Frontend's components (menus, character counts, error summaries…).
// Every page works without JavaScript; this only adds behaviour on top.
import { initAll } from './govuk-frontend.min.js'

initAll()

// GOV.UK Frontend marks a radio or checkbox that reveals more questions with aria-expanded,
// which ARIA does not allow on those roles (axe-core: aria-allowed-attr, critical). The
// revealed questions follow their input in the page, in reading order, so nothing is lost
// without it: the attribute is taken off whenever the library sets it.
const isChoice = (node) =>
  node instanceof HTMLInputElement && (node.type === 'radio' || node.type === 'checkbox')
const unexpand = (node) => {
  if (isChoice(node) && node.hasAttribute('aria-expanded')) node.removeAttribute('aria-expanded')
}
document.querySelectorAll('input[aria-expanded]').forEach(unexpand)
new MutationObserver((changes) => changes.forEach((change) => unexpand(change.target))).observe(
  document.body,
  { subtree: true, attributes: true, attributeFilter: ['aria-expanded'] }
)
