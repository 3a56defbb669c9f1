"""`imtui --demo`: the whole app on the sandbox, writing nothing to the user's real config."""

from __future__ import annotations

from imtui.core.services import Services
from imtui.tui.app import ImtuiApp


async def test_demo_writes_nothing_to_the_real_config_and_cleans_up(_isolate):
    services = Services.open_demo()
    demo_home = services.paths.config_dir
    assert demo_home != _isolate and not _isolate.exists()  # IMTUI_HOME (the "real" config) untouched
    assert [a.name for a in services.config.accounts] == ["us-demo", "uk-demo", "de-demo"]
    assert services.secrets.get("us-demo").source == "session"
    await services.aclose()
    assert not demo_home.exists()


async def test_demo_app_opens_on_customers_with_every_account_loaded():
    services = Services.open_demo()
    app = ImtuiApp(services)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.current_mode == "customers"
        table = app.screen.query_one("#mapping-table")
        assert table.row_count == 144
        assert "DEMO" in app.sub_title and "us-demo" in app.sub_title
        await pilot.press("3")
        assert app.current_mode == "subscriptions"
        assert "not built yet" in str(app.screen.query_one("#not-built-text").render())
