"""services.sync: every account refreshed into the snapshot, one failure kept with its account."""

from __future__ import annotations

import pytest

from imtui.core.secrets import AccountSecrets
from imtui.core.snapshot import SnapshotBusyError


async def test_every_account_is_refreshed_into_the_snapshot(make_services, sandbox):
    services = make_services()
    result = await services.sync.run()
    assert result.exit_code == 0 and set(result.refreshed) == {"us-demo", "uk-demo", "de-demo"}
    rows = services.snapshot.subscriptions(today=services.today())
    expected = sum(len(sandbox.state.account(a.name).subscriptions) for a in sandbox.accounts)
    assert len(rows) == expected
    await services.aclose()


async def test_one_account_failing_is_named_and_the_others_still_sync(make_services):
    services = make_services()
    services.secrets.set("uk-demo", AccountSecrets(password="wrong-password", subscription_key="0" * 32))
    result = await services.sync.run()
    assert result.exit_code == 1 and set(result.refreshed) == {"us-demo", "de-demo"}
    assert "credentials" in result.failed["uk-demo"]
    assert {r.account for r in services.snapshot.subscriptions(today=services.today())} == {"us-demo", "de-demo"}
    await services.aclose()


async def test_a_second_sync_of_the_same_data_is_refused(make_services):
    services, other = make_services(), make_services()
    with services.snapshot.lock():
        with pytest.raises(SnapshotBusyError):
            await other.sync.run(["us-demo"])
    await services.aclose()
    await other.aclose()


async def test_the_demo_tells_time_by_the_sandbox_clock():
    from imtui.core.services import Services
    from imtui.sandbox import Sandbox

    sandbox = Sandbox(seed=3, clock="manual")
    services = Services.open_demo(sandbox)
    assert services.now() == sandbox.clock.now()
    sandbox.clock.advance(86_400)
    assert services.today() == sandbox.clock.now().date()
    await services.aclose()
