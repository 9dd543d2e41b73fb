"""`duban serve`: open the site (migrations run on start), optionally load the demo organisation and items,
start the embedded timer scheduler, and run uvicorn with the API.

Settings: DUBAN_DATABASE_URL (default sqlite:///duban.db), DUBAN_DEMO_PASSWORD (default `duban-demo`),
DUBAN_TOKEN_HOURS (default 12), DUBAN_WORKERS (uvicorn worker processes, default 1; the scheduler stays in
the parent process), DUBAN_ACCESS_LOG (1/0, default 1: one line per request), DUBAN_LOG_LEVEL (default info),
DUBAN_LOG_FORMAT (text or json: one JSON object per line; engine/runtime/logs.py), DUBAN_SCHEDULER (who
runs the timers: `embedded` (default, this process), `prefect` (Prefect deployments, see `duban deploy`; this
process only serves requests) or `off`; `--no-scheduler` keeps this process from running them)."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from datetime import datetime, timedelta

import uvicorn

from api.app import create_app
from api.auth import hash_password
from engine.runtime.drill import DrillStartRefused, start_drill
from engine.cli.demo import demo_sign_ins, seed_demo
from engine.clock import ManualClock, SystemClock
from engine.reads.lists import count_items
from engine.runtime import logs
from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.runtime.lease import Lease
from engine.runtime.sampler import start_from_env as start_sampler
from engine.runtime.scheduler import start_scheduler
from engine.runtime.site import Site
from engine.settings import SettingsError, describe, mask_url, settings
from engine.store import db as store_db

DEFAULT_DEMO_PASSWORD = "duban-demo"
log = logging.getLogger("duban.server")


def load_demo(site: Site) -> str:
    """The demo organisation with one password for everyone, and a few items in flight (once)."""
    password = settings().demo_password or DEFAULT_DEMO_PASSWORD
    load_org_file(site, demo_org_path(), password_hash=hash_password(password))
    bar = "!" * 72
    print(f"{bar}\n!! 演示模式：所有演示账号的密码都是 “{password}”，切勿用于生产环境。\n"
          f"!! DEMO MODE: every demo account signs in with the password {password!r}.\n"
          f"!! Never use --demo on a real site. Set DUBAN_DEMO_PASSWORD to choose another password.\n{bar}",
          flush=True)
    if count_items(site) == 0:
        seed_demo(site)
        print(f"已加载演示事项 / demo items loaded: {count_items(site)}", flush=True)
    print(demo_sign_ins(site, password), flush=True)
    return password


SCHEDULERS = ("embedded", "prefect", "off")


def scheduler_banner(mode: str, no_scheduler_flag: bool) -> str:
    """The line `duban serve` prints on start, saying who runs the timers."""
    why = " (--no-scheduler)" if no_scheduler_flag else f" (DUBAN_SCHEDULER={mode})"
    return {
        "embedded": "定时任务：内置调度器 / timers: embedded scheduler (timer sweep and outbox dispatch in this process)",
        "prefect": "定时任务：由 Prefect 部署执行，本进程只处理请求 / timers: Prefect (DUBAN_SCHEDULER=prefect) - "
                   "duban-timer-sweep and duban-outbox-dispatch run on Prefect workers; "
                   "this process only serves requests",
        "off": "定时任务：未启动 / timers: off" + why + " - nothing in this process sweeps timers or sends messages",
    }[mode]


def scheduler_mode(scheduler: bool = True) -> str:
    """Who runs the timers: DUBAN_SCHEDULER (embedded, prefect, off). `--no-scheduler` (scheduler=False) keeps
    this process from running them: `off`, unless Prefect is declared in charge."""
    try:
        mode = settings().scheduler
    except SettingsError as e:
        raise SystemExit(f"duban serve: {e}") from None
    return "off" if mode == "embedded" and not scheduler else mode


def worker_app():
    """The app of one uvicorn worker process (DUBAN_WORKERS > 1): the parent already migrated and seeded."""
    env = settings()
    logs.setup(env.log_level, env.log_format)
    start_sampler()  # DUBAN_PROFILE=DIR: where this worker's time goes (benchmarks)
    site = open_site(env.database_url, SystemClock(), migrate=False, register=False)
    return create_app(site)


def workers_banner(workers: int, mode: str, drill_forced_one: bool) -> str:
    """The start-up line saying how many processes serve requests (DUBAN_WORKERS) and where the one scheduler runs."""
    why = " (演练模式只用一个进程 / a drill runs in one process)" if drill_forced_one else ""
    where = ("定时任务只在主进程中运行 / the timers run in the parent process only" if mode == "embedded" else
             "本进程不运行定时任务 / no timers in this process")
    return f"工作进程 / worker processes (DUBAN_WORKERS): {workers}{why}; {where}"


def calendar_warning(site: Site) -> str | None:
    """The start-up line naming the years (today to 90 days on) whose statutory holidays nobody entered yet."""
    today = site.cal.local_date(site.clock.now())
    years = site.cal.unknown_years(today, today + timedelta(days=90))
    if not years:
        return None
    listed = ", ".join(map(str, years))
    return (f"!! 工作日历：{listed} 年的法定节假日尚未收录，期限暂按周一至周五计算；请录入 definitions/calendar.yaml 并写明 "
            f"years: {{{years[0]}: complete}} / working calendar: the statutory holidays of {listed} are not known: "
            f"deadlines count Monday to Friday until they are entered (duban calendar set, or calendar.yaml with "
            f"years: {{{years[0]}: complete}})")


def serve(host: str = "127.0.0.1", port: int = 8000, scheduler: bool = True, demo: bool = False,
          simulated_clock: bool | datetime = False, db: str | None = None) -> int:
    """Run the API until interrupted; returns the exit status. `simulated_clock`: drill mode, True (from the stored
    drill time, else now) or the time a drill on a fresh database starts at."""
    try:
        env = settings()
    except SettingsError as e:
        raise SystemExit(f"duban serve: {e}") from None
    url = store_db.database_url(db)
    # the banner shows the database this process opens (--db wins over DUBAN_DATABASE_URL)
    print("设置 / settings (DUBAN_*):\n" + describe(env.model_copy(update={"database_url": url})), flush=True)
    if not env.base_url:
        print("!! DUBAN_BASE_URL 未设置：邮件、钉钉、企业微信、飞书和 webhook 消息中没有事项链接，一键办理链接只在站内通知中可用 / "
              "DUBAN_BASE_URL is not set: mail, DingTalk, WeCom, Feishu and webhook messages carry no link to their "
              "item, and one-tap links work only from the in-app notifications", flush=True)
    logs.setup(env.log_level, env.log_format)
    mode = scheduler_mode(scheduler)
    clock = ManualClock(SystemClock().now()) if simulated_clock else SystemClock()
    site = open_site(url, clock)
    if simulated_clock:
        try:
            line = start_drill(site, simulated_clock if isinstance(simulated_clock, datetime) else None)
        except DrillStartRefused as e:
            site.eng.dispose()
            raise SystemExit(f"duban serve: {e}") from None
        print(line, flush=True)
    if demo:
        load_demo(site)
    if simulated_clock:
        print("演练模式：模拟时钟，管理员可用 POST /api/v1/admin/clock 调整时间 / "
              "drill mode: simulated clock, an admin moves it with POST /api/v1/admin/clock", flush=True)
    warning = calendar_warning(site)
    if warning:
        print(warning, flush=True)
    # `duban restore` refuses while the lease is fresh; with the embedded scheduler it also elects the one server of
    # the site that runs the timers (the others stand by and take over when its lease goes stale)
    lease = Lease(site.eng, f"http://{host}:{port}/", roles=("scheduler",) if mode == "embedded" else ())
    sched = None
    if mode == "embedded":
        sched = start_scheduler(site, gate=lambda: lease.holds("scheduler"))
    print(scheduler_banner(mode, not scheduler), flush=True)
    if mode == "embedded" and not lease.holds("scheduler"):
        print("定时任务：另一台服务器正在运行调度器，本进程待命 / timers: another server of this site holds the "
              "scheduler; this one stands by and takes over if that one stops", flush=True)
    workers = 1 if simulated_clock else env.workers
    print(f"督办 Duban: http://{host}:{port}/  (API: http://{host}:{port}/api/v1/docs; database {mask_url(url)}, "
          f"workers {workers})", flush=True)
    print(workers_banner(workers, mode, bool(simulated_clock) and env.workers > 1), flush=True)
    if threading.current_thread() is threading.main_thread():
        # uvicorn shuts down gracefully on SIGTERM, then raises it again: with this handler (which it restores
        # first) the process leaves through the `finally` below, releasing the lease, instead of dying at once
        signal.signal(signal.SIGTERM, _leave_on_sigterm)
    try:
        if workers > 1:
            os.environ["DUBAN_DATABASE_URL"] = url
            site.eng.dispose()
            uvicorn.run("api.server:worker_app", factory=True, host=host, port=port, workers=workers,
                        access_log=False, log_config=None, log_level=env.log_level)
        else:
            uvicorn.run(create_app(site, simulated_clock=bool(simulated_clock)), host=host, port=port,
                        access_log=False, log_config=None, log_level=env.log_level)
    finally:
        if sched is not None:
            sched.shutdown()
        lease.stop()
        site.eng.dispose()
    return 0


def _leave_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(serve())
