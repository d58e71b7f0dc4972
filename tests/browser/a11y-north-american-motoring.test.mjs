// Every page of north-american-motoring (anonymous, a member's, every staff role's): axe-core
// finds no violation and none scrolls sideways at 320 px (issue 17; a11y.mjs).
import { everyPageTest } from './a11y.mjs';

everyPageTest('north-american-motoring');
