// A text the page keeps mounted (ui.live_texts.live_text): a later run of the page changes only its HTML, in place.
export default function ({ data, parentElement }) {
  let box = parentElement.querySelector(".rnnviz-live-text");
  if (!box) {
    box = document.createElement("div");
    box.className = "rnnviz-live-text";
    parentElement.appendChild(box);
  }
  const show = (html, version) => { if (fresher(box, html, version)) box.innerHTML = html; };
  box.__version = -1;  // a run of the page draws what it was given
  show(data.html, data.version);
}
