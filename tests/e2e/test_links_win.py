"""A link pasted into a tab that has a model opens what the link asks for, and offers the tab's model back;
a reload of the same address keeps the model (tests/e2e/test_reconnect.py)."""

from .browser import click_key, wait_for_step

L3_LINK = "?dataset=shakespeare&clip=1.0"


def main_text(page) -> str:
    return page.locator('[data-testid="stMainBlockContainer"]').inner_text()


def test_a_lesson_link_in_the_tab_opens_the_lesson_and_offers_the_model_back(trained, app_url):
    page, step, text, _ = trained
    assert step >= 50
    page.goto(app_url + "/" + L3_LINK)
    page.wait_for_selector(".st-key-take_back button", timeout=60_000)
    assert wait_for_step(page, lambda s: s >= 0) == 0
    assert page.locator('.st-key-preset_L3 [data-testid="stBaseButton-primary"]').count() >= 1
    offer = page.locator(".st-key-take_back button").inner_text()
    assert f"Back to your L0 model, {step:,} steps" in offer
    assert "Welcome back" not in main_text(page)

    click_key(page, "take_back")
    assert wait_for_step(page, lambda s: s == step, 30_000) == step
    page.wait_for_selector(".st-key-take_back", state="detached", timeout=30_000)
    assert page.locator('.st-key-preset_L0 [data-testid="stBaseButton-primary"]').count() >= 1
    page.wait_for_function("() => location.search.includes('dataset=counting')", timeout=30_000)
    page.reload()  # and the address now holds the L0 model's settings: a reload keeps it
    page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
    assert wait_for_step(page, lambda s: s >= 0) == step
    assert page.locator(".st-key-take_back").count() == 0


def test_the_classroom_link_in_a_full_view_tab_shows_the_classroom_view(trained, app_url):
    page, step, _, _ = trained
    assert page.locator(".st-key-preset_L0").count() == 1  # the full view: lessons in the sidebar
    page.goto(app_url + "/?dataset=counting&classroom=1")  # the same settings as the tab's model
    page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
    assert wait_for_step(page, lambda s: s >= 0) == step  # the same model, kept
    page.wait_for_selector(".st-key-preset_L0", state="detached", timeout=30_000)
    assert "focused view" in page.locator('[data-testid="stSidebar"]').inner_text()
