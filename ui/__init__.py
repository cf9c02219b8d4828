"""The app's Streamlit side: one browser session's experiment, the sidebar that steers it, and live training.

The library (rnnviz/) has no Streamlit in it: everything that touches st.session_state is here, one idea
a module, each importing only those above it in this list.

- chart_library: a hidden chart sent before torch is imported, so the browser loads Plotly meanwhile (not on Train)
  (imports neither torch nor the rest of this package).
- page_links, loading: the first frame (controls, page links, the page's title and text) drawn while a
  background thread imports torch; reconnect: the tab's secret (sessionStorage) that brings a reloaded
  tab's model back. None of the three imports torch at the top (reconnect reaches keeper and state, below,
  only once the model's code is loaded).
- live_chart: a chart kept mounted while its data changes (a small component: Plotly.react, or for the Train
  page's live charts its own canvas renderer, live_canvas.js).
- feed_route: the app's own route (app.py adds it), the one channel between a page and its model while it trains.
- live_panel: the Train page's live panel, one component that owns Train/Pause, the prefix box, the status, the
  texts and the charts, and speaks to its model over the feed route only (live_panel.js, .css).
- live_texts: the other pages' status line, which polls the feed route for itself, and texts kept mounted.
- workers: `worker(experiment)`, the model's background trainer (rnnviz.serving.live), which trains beside the page
  in short slices under the model's lock (`model_lock`) and one of the process's few training turns (`TURNS`).
- keeper: each session's Experiment held in `SESSIONS`; a background keeper marks connected sessions as seen
  and lets the others' models go after the time-to-live; `move` hands a model to the tab's next session.
- messages: a message to the learner drawn as the text it is (escaped: never read as markdown or HTML).
- state: the session's own Experiment (built once, never on a rerun), the running flag, messages, widget values.
- sharing: the URL carries the settings (rnnviz.serving.hosting): a link opened is applied on the session's first
  run, and the address bar follows the model's settings from then on.
- drawing: what the pages draw with; fragments that only draw: `live(draw)` with the training status,
  `live_board(draw, interval)` from what the worker published, `live(draw, trains=False)` about once a second.
- sidebar: `controls()`, the sidebar on every page; each widget value passes through `Config.checked`.
- side_by_side: the Side by side page's models, trained in lockstep apart from the session's own.
"""
