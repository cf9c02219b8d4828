"""The Predict page's samples: they hold still between presses of Sample again, which draws new ones from the
model as it is now (training goes on beside the page)."""

from pages_helpers import block_text, experiment, running, step, train_button, wait_for


def sample_texts(app, count: int) -> list[str]:
    return [block_text(app, f"sample_{n}") for n in range(1, count + 1)]


def captions(app) -> str:
    return " ".join(caption.value for caption in app.caption)


def test_sample_again_draws_new_samples_and_a_rerun_does_not(app):
    app.switch_page("pages/predict.py").run()
    app.number_input(key="predict_temperature").set_value(1.5).run()
    app.number_input(key="predict_samples").set_value(3).run()
    first = sample_texts(app, 3)
    app.run()
    assert sample_texts(app, 3) == first  # a rerun (a setting, the status) keeps what the learner reads
    app.button(key="predict_again").click().run()
    second = sample_texts(app, 3)
    assert not app.exception and second != first
    app.button(key="predict_again").click().run()
    assert sample_texts(app, 3) not in (first, second)


def test_while_training_the_page_says_its_samples_are_from_when_it_ran(app):
    step(app, 2)
    app.switch_page("pages/predict.py").run()
    assert "Sample again for the model now" not in captions(app)
    train_button(app).click().run()
    assert running(app)
    wait_for(lambda: experiment(app).step > 10)
    app.button(key="predict_again").click().run()
    assert "Sample again for the model now" in captions(app)
    train_button(app).click().run()
    assert not running(app)
    app.run()
    assert "Sample again for the model now" not in captions(app)
