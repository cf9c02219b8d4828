// The tab's secret, kept in sessionStorage (per tab, kept over a reload, never in a link).
// The one stored wins; with `replace` (or none stored) the server's offer is stored instead.
// It is sent (a trigger: one rerun each time), and again every 2 s until the server says it has it
// (`seen`): a report lost while a run ends would otherwise leave the tab on the first frame.
const STORAGE_KEY = "rnnviz-tab";
let retry = null;

export default function ({ data, setTriggerValue }) {
  let held = null;
  try { held = window.sessionStorage.getItem(STORAGE_KEY); } catch (e) { /* storage off: no reloads kept */ }
  if (data && data.offer && (!held || data.replace)) {
    try { window.sessionStorage.setItem(STORAGE_KEY, data.offer); } catch (e) { /* as above */ }
    held = data.offer;
  }
  clearInterval(retry);
  if (held && data && !data.seen) {
    setTriggerValue("secret", held);
    retry = setInterval(() => setTriggerValue("secret", held), 2000);
  }
}
