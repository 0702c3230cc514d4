// Start GOV.UK Frontend's components (menus, character counts, error summaries…).
// Every page works without JavaScript; this only adds behaviour on top.
import { initAll } from './govuk-frontend.min.js'

initAll()
