"""The account form reads numbers with the same rules as ``imtui accounts add`` (imtui.core.rules)."""

from __future__ import annotations

from decimal import Decimal

from imtui.core.config import ConfigStore
from imtui.tui.app import ImtuiApp
from tests.tui.test_ui_accounts import SIZE, form_for, message, result_text, set_form, settle, text_of, type_into


async def test_grouped_numbers_are_saved_and_odd_ones_explained(make_services, sandbox):
    services = make_services(accounts=False)
    app = ImtuiApp(services, start_in="accounts")
    async with app.run_test(size=SIZE) as pilot:
        set_form(app, form_for(sandbox.accounts[0], name="us-main"))
        await type_into(pilot, "max_seats", "²")
        assert "'²' is not one of them" in text_of(message(app, "max_seats"))
        await type_into(pilot, "max_total", "inf")
        assert "'inf' is not a finite number" in text_of(message(app, "max_total"))
        await type_into(pilot, "max_seats", "1,000")
        await type_into(pilot, "max_total", "2 500.50")
        await type_into(pilot, "markup", "-5")
        assert not any(message(app, f).display for f in ("max_seats", "max_total", "markup"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved us-main" in result_text(app)
    saved = ConfigStore(services.paths.config_file).load().account("us-main")
    assert (saved.max_seats_per_order, saved.max_order_total, saved.markup_percent) == (1000, Decimal("2500.50"), Decimal("-5"))
