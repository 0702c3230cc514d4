// Builds the kit's front-end assets into shared/src/govkit/static (run by `make`; output not committed).
//   madoguchi.css          GOV.UK Frontend rebranded (see scss/madoguchi.scss)
//   govuk-frontend.min.js  GOV.UK Frontend's components (ES module)
//   init.js                starts them (no inline scripts: the CSP forbids them)
//   images/favicon.svg     the kit's icon
import { compile } from 'sass'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')
const out = join(here, '..', 'src', 'govkit', 'static')
mkdirSync(join(out, 'images'), { recursive: true })

const started = Date.now()
const css = compile(join(here, 'scss', 'madoguchi.scss'), {
  loadPaths: [join(root, 'node_modules')],
  style: 'compressed',
  quietDeps: true
})
writeFileSync(join(out, 'madoguchi.css'), css.css)
copyFileSync(join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js'), join(out, 'govuk-frontend.min.js'))
copyFileSync(join(here, 'js', 'init.js'), join(out, 'init.js'))
copyFileSync(join(here, 'images', 'favicon.svg'), join(out, 'images', 'favicon.svg'))
console.log(`assets built into ${out} in ${Date.now() - started} ms`)
