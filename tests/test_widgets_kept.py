"""Widget values across pages (AppTest): a page's controls keep their values while another page shows
(persist_state="session"); the Predict page's length and temperature are the model's, so they come back from it."""

from pages_helpers import experiment


def test_a_pages_controls_keep_their_values_while_another_page_shows(app):
    app.switch_page("pages/worked_maths.py").run()
    app.number_input(key="params_hidden_size").set_value(7).run()
    app.radio(key="params_cell").set_value("GRU").run()
    app.checkbox(key="params_bidirectional").check().run()
    app.switch_page("pages/train.py").run()
    assert not app.get("number_input") or all(box.key != "params_hidden_size" for box in app.number_input)
    app.switch_page("pages/worked_maths.py").run()
    assert app.number_input(key="params_hidden_size").value == 7
    assert app.radio(key="params_cell").value == "GRU"
    assert app.checkbox(key="params_bidirectional").value is True


def test_the_predict_pages_length_comes_back_from_the_model(app):
    app.switch_page("pages/predict.py").run()
    app.number_input(key="predict_length").set_value(9).run()
    assert experiment(app).config.predict_len == 9
    app.switch_page("pages/train.py").run()
    app.button(key="preset_L2").click().run()  # sentences: continuations 11 symbols long
    app.switch_page("pages/predict.py").run()
    assert app.number_input(key="predict_length").value == 11 and experiment(app).config.predict_len == 11


def test_a_kept_choice_the_new_model_does_not_have_is_forgotten(app):
    app.switch_page("pages/hidden_states.py").run()
    app.multiselect(key="hidden_units").set_value([3, 200]).run()  # L0: 256 units
    app.switch_page("pages/train.py").run()
    app.button(key="preset_L2").click().run()  # 12 units: unit 200 is gone
    app.switch_page("pages/hidden_states.py").run()
    assert not app.exception and app.multiselect(key="hidden_units").value == [0, 1, 2]


def test_every_run_tells_the_browser_the_settings_the_server_holds(app):
    # A browser can take a setting from a run cut short (a lesson pressed while the learner typed one); unless
    # each run writes the server's value back, that stale value stays on screen and returns with the next rerun.
    app.number_input(key="lr").set_value(0.0111).run()
    assert experiment(app).config.lr == 0.0111
    app.run()  # a rerun the learner did not ask for (a tab's reconnect, a worker that stopped)
    boxes = {key: app.number_input(key=key).proto for key in ("lr", "hidden_size", "batch_size")}
    assert all(proto.set_value for proto in boxes.values()), [k for k, p in boxes.items() if not p.set_value]
    assert boxes["lr"].value == 0.0111
    assert app.selectbox(key="dataset").proto.set_value and app.checkbox(key="carry_state").proto.set_value


def test_every_full_run_tells_the_browser_the_prefix_the_server_holds(app):
    # The same for the prefix box: a share link's prefix once stayed blank in the browser for 30 s (CI, intermittent).
    app.run()
    assert app.text_input(key="prefix").proto.set_value and app.text_input(key="prefix").value == \
        experiment(app).config.prefix
