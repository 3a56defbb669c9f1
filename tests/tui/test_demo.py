"""`imtui --demo`: the whole app on the sandbox, writing nothing to the user's real config."""

from __future__ import annotations

import pytest

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
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.current_mode == "subscriptions"
        subscriptions = sum(len(services.sandbox.state.account(a.name).subscriptions) for a in services.sandbox.accounts)
        assert app.screen.query_one("#subs-table").row_count == subscriptions == 360


async def test_a_crash_report_never_shows_local_variables(make_services):
    """Textual's crash screen prints each frame's locals; ours must not (a password may be one)."""
    services = make_services()
    app = ImtuiApp(services, start_in="accounts")
    secret = "pw-never-on-screen"

    def boom():
        typed_password = secret  # noqa: F841 - a local the traceback must not print
        raise RuntimeError("boom")

    shown = []
    app._print_error_renderables = lambda: shown.extend(app._exit_renderables)  # what would reach the terminal
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            app.call_later(boom)
            await pilot.pause()
    printed = "".join(segment.text for renderable in shown for segment in renderable.segments)
    assert "RuntimeError" in printed and secret not in printed
