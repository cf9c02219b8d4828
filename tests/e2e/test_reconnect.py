"""A reload brings back the tab's trained model; a share link, another tab or a duplicated tab does not."""

from .browser import continuation, screenshot, step_shown, wait_for_step


def test_a_reload_brings_back_the_trained_model(trained):
    page, step, text, _ = trained
    page.reload()
    page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
    assert wait_for_step(page, lambda s: s >= 0) == step
    assert continuation(page) == text
    assert "Welcome back" in page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert page.locator('.st-key-preset_L0 [data-testid="stBaseButton-primary"]').count() >= 1  # the lesson too
    screenshot(page, "reload_same_model")
    page.reload()  # and again: the tab still owns it
    page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
    assert wait_for_step(page, lambda s: s >= 0) == step


def test_a_share_link_elsewhere_opens_a_fresh_model(trained, browser):
    page, step, _, address = trained
    assert "tab" not in address.lower() and len(address) < 400  # the secret never rides in the link
    other = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        elsewhere = other.new_page()
        elsewhere.goto(address)
        elsewhere.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
        assert wait_for_step(elsewhere, lambda s: s >= 0) == 0
    finally:
        other.close()
    assert step_shown(page) == step  # the first tab keeps its own


def test_a_duplicated_tab_starts_afresh_while_its_original_is_open(trained):
    page, step, _, address = trained
    secret = page.evaluate("() => sessionStorage.getItem('rnnviz-tab')")
    assert secret and len(secret) >= 40 and secret not in address
    # Duplicating a tab copies its sessionStorage into the new tab.
    copy = page.context.new_page()
    copy.add_init_script(f"sessionStorage.setItem('rnnviz-tab', {secret!r})")
    copy.goto(address)
    copy.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
    assert wait_for_step(copy, lambda s: s >= 0) == 0
    copy.wait_for_timeout(1500)
    assert copy.evaluate("() => sessionStorage.getItem('rnnviz-tab')") != secret  # it took a secret of its own
    assert step_shown(page) == step
    copy.close()
