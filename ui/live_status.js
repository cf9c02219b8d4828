// The training status of a page other than Train (ui.live_texts.live_status): one line that, while the model trains,
// polls the feed route for itself and changes in place, with no script run; once the model stops it asks for one
// run of the page, so the sidebar follows. Joined after ui/live_updates.js (fresher) and ui/live_channel.js.

export default function ({ data, parentElement, setTriggerValue }) {
  let line = parentElement.__rnnvizStatus;
  if (!line || !line.root.isConnected) {
    const root = document.createElement("div");
    root.className = "rnnviz-live-text";
    parentElement.appendChild(root);
    line = parentElement.__rnnvizStatus = { root, version: -1, running: false, texts: { train_status: root } };
    line.show = (shown) => showTexts(line, shown);
  }
  line.setTriggerValue = setTriggerValue;
  adopt(line, data);
  line.show(data);
  if (line.running) poll(line);
}
