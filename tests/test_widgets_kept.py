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
