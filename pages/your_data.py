"""Your data: train on text or numbers you bring, take the model and what it computed home, load a model back."""

import streamlit as st

from rnnviz.config import defaults_for
from rnnviz.datasets import uploads
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.files import checkpoint, export_code, exports, saved_history
from rnnviz.nn.model import describe
from ui import drawing, state, workers
from ui.messages import show

REFUSED = "your_data_refused"  # section → the message of the last refused attempt there
CSV_READ = "your_data_csv"  # (file id, the table read, or why it cannot be used) of the CSV uploaded last
UP_TO = f"up to {uploads.MAX_UPLOAD_BYTES:,} bytes"  # the uploader refuses a larger file before rnnviz sees it


def refuse(section: str, error: InputError) -> None:
    st.session_state.setdefault(REFUSED, {})[section] = str(error)


def accepted(section: str) -> None:
    """Forget the section's last refusal: its input was used, or a new file or text came in its place."""
    st.session_state.setdefault(REFUSED, {}).pop(section, None)


def show_refusal(section: str) -> None:
    message = st.session_state.get(REFUSED, {}).get(section)
    if message:
        show("error", f"{message} Nothing was changed: the current model and its history are as they were.")


# -- callbacks: each builds a new Experiment first, so a refusal leaves the current one as it was ---------------
def use_text() -> None:
    upload = st.session_state.get("own_text_file")
    try:
        if upload is not None:
            text = uploads.text_from_upload(upload, upload.name)
        else:
            text = st.session_state.get("own_text", "")
            if text == "":
                raise InputError(f"There is no text yet: paste some above, or upload a .txt file (UTF-8, {UP_TO}; "
                                 "the uploader marks a larger file in red and does not take it).")
        config, notices = uploads.text_config(text, base=state.experiment().config)
        new = Experiment(config)
    except InputError as error:
        refuse("text", error)
        return
    accepted("text")
    state.replace_experiment(new, f"A character model of your text ({len(config.text):,} characters, "
                             f"{len(new.dataset.symbols)} different symbols), ready to train.", notices)


def use_column() -> None:
    upload, column = st.session_state.get("own_csv_file"), st.session_state.get("own_csv_column")
    current = state.experiment().config
    base = current if current.dataset == "csv" else defaults_for("csv")
    try:
        if upload is None:
            raise InputError("Upload a .csv file first.")
        table, refusal = csv_table(upload)
        if refusal:
            raise InputError(refusal)
        series = uploads.series_from_csv(table, column, seq_len=base.seq_len)
        config, notices = uploads.csv_config(series, base=base)
        new = Experiment(config, dataset=series)
    except InputError as error:
        refuse("csv", error)
        return
    accepted("csv")
    state.replace_experiment(new, f"A model to forecast {column!r} ({len(series.values):,} values), ready to "
                             "train: it learns to predict each value from the ones before.", notices)


def load_model() -> None:
    upload = st.session_state.get("model_file")
    try:
        if upload is None:
            raise InputError("Choose a model file first.")
        new, notices = checkpoint.load_into_experiment(upload.getvalue(), filename=upload.name)
    except InputError as error:
        refuse("model", error)
        return
    accepted("model")
    config = new.config
    model = describe(config.cell, config.hidden_size, config.num_layers, config.nonlinearity)
    restored = saved_history.describe_restored(new.trainer)
    state.replace_experiment(new, f"Loaded {upload.name}: {model} on {new.dataset.title or config.dataset}, "
                             f"trained {new.step:,} steps"
                             f"{f', with its history ({restored})' if restored else ''}. Press Train to go on.",
                             notices)


def csv_table(upload) -> tuple[uploads.CsvTable | None, str | None]:
    """The upload's table, or why it cannot be used: read once per file, not on every run of the page."""
    remembered = st.session_state.get(CSV_READ)
    if remembered and remembered[0] == upload.file_id:
        return remembered[1], remembered[2]
    table, refusal = None, None
    try:
        table = uploads.read_csv(upload, upload.name)
        if not table.numeric:
            uploads.series_from_csv(table)  # raises, saying what the columns hold
    except InputError as error:
        table, refusal = None, str(error)
    st.session_state[CSV_READ] = (upload.file_id, table, refusal)
    return table, refusal


def locked(make, experiment):
    """Export data from a copy-safe state: not while a training tick changes the weights."""
    def build():
        with workers.model_lock(experiment):
            return make(experiment)
    return build


def export_data(make, experiment):
    """What a download button hands out. While training: made when clicked, so it is the model as it is then.
    While paused: made now, since the model cannot change before the click, and Streamlit names such a file by its
    content, so the button still works when the browser shows it from an earlier run (docs/notes.md)."""
    build = locked(make, experiment)
    if state.is_running():
        return build
    # Made once per paused model: every run of this page while paused would make the same bytes again.
    made = st.session_state.setdefault("export_files", {})
    now = (experiment, experiment.step, experiment.config)
    if make.__name__ not in made or made[make.__name__][0] != now:
        made[make.__name__] = (now, build())
    return made[make.__name__][1]


# -- the page ---------------------------------------------------------------------------------------------------
st.title("Your data")
st.caption("Train on text or numbers of your own, take the model and what it computed home, or load a model "
           "to go on training it. A file that cannot be used changes nothing: the model and its history stay.")
drawing.live(lambda experiment: None)  # training goes on here too; the status line shows it
text_tab, csv_tab, files_tab = st.tabs(["Your text", "Your numbers (CSV)", "Export and import"])

with text_tab:
    st.markdown("A character model learns to continue your text, one character at a time.")
    st.text_area("Paste text", key="own_text", height=160, placeholder="Paste a poem, some code, a recipe …",
                 on_change=accepted, args=("text",))
    own_file = st.file_uploader(f"…or upload a .txt file (UTF-8, {UP_TO})", type=["txt"], key="own_text_file",
                                on_change=accepted, args=("text",))
    st.button(f"Train on {own_file.name}" if own_file is not None else "Train on the pasted text",
              key="use_text", on_click=use_text, type="primary")
    show_refusal("text")

with csv_tab:
    st.markdown("Pick a column of numbers: the model learns to predict each value from the ones before it, "
                "like the sine wave of lesson L4.")
    csv_file = st.file_uploader(f"A .csv file (UTF-8, {UP_TO}, decimals with a point)", type=["csv"],
                                key="own_csv_file", on_change=accepted, args=("csv",))
    if csv_file is None:
        st.session_state.pop(CSV_READ, None)  # the table goes with its file
    else:
        table, refusal = csv_table(csv_file)
        if refusal:
            show("error", f"{refusal} Nothing was changed: the current model and its history are as they were.")
        else:
            st.selectbox("Column to forecast", table.numeric, key="own_csv_column", persist_state="session")
            st.button("Train on this column", key="use_column", on_click=use_column, type="primary")
    show_refusal("csv")

with files_tab:
    experiment = state.experiment()
    st.markdown("**Take home** the model, its training history and the arrays behind the views, as they are when "
                "you click.")
    left, middle, right = st.columns(3)
    left.download_button("Model (.safetensors)", export_data(checkpoint.export_bytes, experiment),
                         file_name=checkpoint.export_filename(experiment), mime="application/octet-stream",
                         key="export_model", on_click="ignore", width="stretch", icon=":material/download:",
                         help="The weights and the settings that built them; load it here to go on training.")
    middle.download_button("Training history (.csv)", export_data(exports.history_csv, experiment),
                           file_name=exports.history_filename(experiment), mime="text/csv", key="export_history",
                           on_click="ignore", width="stretch", icon=":material/download:",
                           help="One row per step: step, loss, grad_norm, grad_norm_clipped, lr, seconds, val_loss.")
    right.download_button("Traced arrays (.npz)", export_data(exports.traced_arrays, experiment),
                          file_name=exports.traced_filename(experiment), mime="application/octet-stream",
                          key="export_traces", on_click="ignore", width="stretch", icon=":material/download:",
                          help="Hidden states, gates and outputs on your prefix, and ∂L/∂h_t on a training window: "
                               "numpy.load(file) opens it (the README lists what is inside).")
    st.download_button("As PyTorch code (.py + weights, .zip)", export_data(export_code.code_zip, experiment),
                       file_name=export_code.zip_filename(experiment), mime="application/zip", key="export_code",
                       on_click="ignore", icon=":material/code:",
                       help="A standalone script that builds the same model from torch.nn, loads these weights, and "
                            "trains and predicts as the app does: python <script>.py --train 100")
    st.markdown("**Go on training** a model exported from rnnviz.")
    st.file_uploader(f"A model file (.safetensors, {UP_TO} here)", type=["safetensors", "pt"], key="model_file",
                     on_change=accepted, args=("model",),
                     help="Only weights and settings are read, never code; settings and shapes are checked "
                          "against the limits first.")
    st.button("Load it and go on training", key="load_model", on_click=load_model, type="primary")
    show_refusal("model")
