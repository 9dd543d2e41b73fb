"""Notification texts from sandboxed templates, in Chinese with English beside them; the one way a due date and the
action asked for are put in words ("请于 2026年12月3日（星期四）前反馈进展" / "report progress by Thu 3 Dec 2026"), and
the link line every message ends with."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

# kind -> (title_zh, body_zh, title_en, body_en); params: item, serial, plus the effect's own
TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "task_new": ("【待办】《{{ item }}》", "您有新的待办：{{ serial }}《{{ item }}》，环节：{{ step }}{% if due %}，办理时限 {{ due }}{% endif %}。",
                 "[To do] {{ item }}", "New task: {{ serial }} '{{ item }}', step {{ step_en }}{% if due %}, due {{ due }}{% endif %}."),
    "task_returned": ("【退回】《{{ item }}》", "{{ serial }}《{{ item }}》被退回：{{ reason }}",
                      "[Returned] {{ item }}", "{{ serial }} '{{ item }}' was returned: {{ reason }}"),
    "opinion_in": ("【会办意见】《{{ item }}》", "{{ serial }}《{{ item }}》收到协办单位 {{ unit }} 的会办意见。",
                   "[Opinion] {{ item }}", "{{ serial }} '{{ item }}': co-handler {{ unit }} gave its opinion."),
    "cohandler_removed": ("【减签】《{{ item }}》", "您单位已无需协办 {{ serial }}《{{ item }}》。",
                          "[Removed] {{ item }}", "Your unit no longer co-handles {{ serial }} '{{ item }}'."),
    "extension_requested": ("【延期申请】《{{ item }}》", "{{ serial }}《{{ item }}》申请延期至 {{ new_due }}：{{ reason }}",
                            "[Extension] {{ item }}", "{{ serial }} '{{ item }}' asks for more time until {{ new_due }}: {{ reason }}"),
    "extension_decided": ("【延期{{ '已批准' if approved else '未批准' }}】《{{ item }}》",
                          "{{ serial }}《{{ item }}》的延期申请{{ '已批准，新时限 ' ~ new_due if approved else '未获批准：' ~ comment }}",
                          "[Extension {{ 'approved' if approved else 'refused' }}] {{ item }}",
                          "{{ serial }} '{{ item }}': extension {{ 'approved, new due date ' ~ new_due if approved else 'refused: ' ~ comment }}"),
    "instruction": ("【领导批示】《{{ item }}》", "{{ leader }}批示：{{ text }}", "[Instruction] {{ item }}", "{{ leader }}: {{ text }}"),
    "chase_manual": ("【催办】《{{ item }}》", "{{ by }}催办 {{ serial }}《{{ item }}》：{{ message }}{% if ask_zh %}\n{{ ask_zh }}。{% endif %}",
                     "[Chase] {{ item }}", "{{ by_en or by }} chases {{ serial }} '{{ item }}': {{ message }}{% if ask_en %}\nPlease {{ ask_en }}.{% endif %}"),
    "remind": ("【提醒】《{{ item }}》", "{{ serial }}《{{ item }}》将于 {{ due_zh or due }} 到期，请抓紧办理。",
               "[Reminder] {{ item }}", "{{ serial }} '{{ item }}' is due {{ due_en or due }}."),
    "due": ("【到期】《{{ item }}》", "{{ serial }}《{{ item }}》今日到期（{{ due }}），请及时办结或申请延期。",
            "[Due today] {{ item }}", "{{ serial }} '{{ item }}' is due now ({{ due }}): complete it or ask for more time."),
    "chase": ("【催办】《{{ item }}》", "【催办】《{{ item }}》已超期 {{ overdue }} 个工作日{% if due_zh %}（办理时限 {{ due_zh }}）{% endif %}，{{ ask_zh or '请于今日反馈办理进展' }}。",
              "[Chase] {{ item }}", "[Chase] '{{ item }}' is {{ overdue }} working day(s) overdue{% if due_en %} (due {{ due_en }}){% endif %}: please {{ ask_en or 'report progress today' }}."),
    "escalate": ("【{{ '黄牌' if card == 'yellow' else '红牌' }}督办】《{{ item }}》",
                 "{{ serial }}《{{ item }}》（{{ holder }}）已超期 {{ overdue }} 个工作日，亮{{ '黄牌' if card == 'yellow' else '红牌' }}，请督促办理。",
                 "[{{ card|capitalize }} card] {{ item }}",
                 "{{ serial }} '{{ item }}' ({{ holder_en }}) is {{ overdue }} working day(s) overdue: {{ card }} card."),
    "timeout": ("【超时处理】《{{ item }}》", "{{ serial }}《{{ item }}》超时未办结，已{{ action_zh }}。",
                "[Timeout] {{ item }}", "{{ serial }} '{{ item }}' timed out: {{ action }}."),
    "digest": ("【督办汇总】您有 {{ count }} 项到期或超期事项", "{% for l in lines %}{{ loop.index }}. {{ l }}\n{% endfor %}",
               "[Digest] {{ count }} item(s) due or overdue", "{% for l in lines_en %}{{ loop.index }}. {{ l }}\n{% endfor %}"),
    "item_closed": ("【办结】《{{ item }}》", "{{ serial }}《{{ item }}》已{{ '销号' if outcome == 'completed' else '归档' if outcome == 'archived' else '结束' }}。",
                    "[Closed] {{ item }}", "{{ serial }} '{{ item }}' is {{ outcome }}."),
    "item_cancelled": ("【撤销】《{{ item }}》", "{{ serial }}《{{ item }}》已撤销：{{ reason }}",
                       "[Cancelled] {{ item }}", "{{ serial }} '{{ item }}' was cancelled: {{ reason }}"),
    "bulletin": ("【督查通报】{{ heading }}",
                 "{{ heading }}（{{ since }} 至 {{ until }}）已印发：新交办 {{ new }} 项，办结 {{ closed }} 项，超期 {{ overdue }} 项，按时办结率 {{ rate }}。下载：{{ link }}（Word：{{ link_docx }}）",
                 "[Bulletin] {{ heading_en }}",
                 "{{ heading_en }} ({{ since }} to {{ until }}) is out: {{ new }} new, {{ closed }} closed, {{ overdue }} overdue, on-time rate {{ rate }}. Download: {{ link }} (Word: {{ link_docx }})"),
    "reading": ("【阅件】《{{ item }}》", "请阅 {{ serial }}《{{ item }}》{% if note %}：{{ note }}{% endif %}{% if due %}（请于 {{ due }} 前阅）{% endif %}。",
                "[For reading] {{ item }}", "Please read {{ serial }} '{{ item }}'{% if note %}: {{ note }}{% endif %}{% if due %} (by {{ due }}){% endif %}."),
    "recalled": ("【撤回】《{{ item }}》", "{{ serial }}《{{ item }}》的待办已被撤回：{{ reason }}",
                 "[Recalled] {{ item }}", "{{ serial }} '{{ item }}' was recalled: {{ reason }}"),
    "cc": ("【抄送】《{{ item }}》", "{{ by }}将 {{ serial }}《{{ item }}》抄送给您，供知悉。",
           "[Copy] {{ item }}", "{{ by }} copied {{ serial }} '{{ item }}' to you for information."),
    "auto_notice": ("【通知】《{{ item }}》", "{{ message }}", "[Notice] {{ item }}", "{{ message }}"),
    "milestone": ("【节点督办】《{{ item }}》", "{{ serial }}《{{ item }}》：{{ text_zh }}。",
                  "[Milestone] {{ item }}", "{{ serial }} '{{ item }}': {{ text_en }}."),
    "report": ("【定期反馈】《{{ item }}》", "{{ serial }}《{{ item }}》：{{ text_zh }}。",
               "[Progress report] {{ item }}", "{{ serial }} '{{ item }}': {{ text_en }}."),
}

_env = SandboxedEnvironment(autoescape=False)


# The messages a person who asked for a digest (person.digest) gets in one 督办汇总 per sweep instead of one by one:
# where their tasks stand (reminder, due notice, chase) and the cards raised on them or sent up to them.
DIGESTED = frozenset({"remind", "due", "chase", "escalate", "milestone", "report"})  # 节点, 定期反馈 too


def digested(kind: str) -> bool:
    """Whether a message of this kind goes into the digest of a person who asked for one (the one rule)."""
    return kind in DIGESTED


SEP = "\x1f"  # one render per message: the four parts joined, then split


@lru_cache(maxsize=256)
def _compiled(kind: str) -> Any:
    return _env.from_string(SEP.join(TEMPLATES[kind]))


WEEKDAYS_ZH = "一二三四五六日"
# what a message asks its recipient to do, by its kind: (action, 中文, English)
ASKS: dict[str, tuple[str, str, str]] = {"chase": ("progress", "反馈进展", "report progress"),
                                         "chase_manual": ("progress", "反馈进展", "report progress")}


def due_in_words(when: datetime, tz: Any, *, with_time: bool = True) -> tuple[str, str]:
    """A due time as the office says it: ("2026年12月3日（星期四）", "Thu 3 Dec 2026"); a due time at local midnight is
    the end of the day before; any other time than the end of a day is said too ("17:30")."""
    d = when.astimezone(tz)
    if (d.hour, d.minute, d.second) == (0, 0, 0):
        d = d - timedelta(seconds=1)
    zh = f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAYS_ZH[d.weekday()]}）"
    en = f"{d:%a} {d.day} {d:%b} {d.year}"
    if with_time and (d.hour, d.minute) not in ((23, 59), (0, 0)):
        zh, en = f"{zh}{d:%H:%M}", f"{en} {d:%H:%M}"
    return zh, en


def ask(kind: str, by: datetime | None, tz: Any, *, with_time: bool = True) -> tuple[str, str]:
    """The action a message of `kind` asks for and by when: ("请于 2026年12月3日（星期四）前反馈进展",
    "report progress by Thu 3 Dec 2026"); ("", "") when the kind asks for nothing."""
    if kind not in ASKS:
        return "", ""
    _, verb_zh, verb_en = ASKS[kind]
    if by is None:
        return f"请尽快{verb_zh}", f"{verb_en} soon"
    zh, en = due_in_words(by, tz, with_time=with_time)
    return f"请于 {zh}前{verb_zh}", f"{verb_en} by {en}"


def link_lines(url: str) -> tuple[str, str]:
    """The last line of a message: where to open its item or task."""
    return f"办理链接：{url}", f"Open: {url}"


def fmt(value: Any, tz: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return value


def render(kind: str, params: dict[str, Any], tz: Any, now: datetime | None = None) -> tuple[str, str, str, str]:
    """(title_zh, body_zh, title_en, body_en) for a message kind. A `due_at` time is also given in words (due_zh,
    due_en), and a message that asks for an action says it with its date (ask_zh, ask_en: by the due time, or by
    `now` when that has passed)."""
    due = params.get("due_at") or params.get("due")
    due = due if isinstance(due, datetime) else None
    words: dict[str, str] = {}
    if due is not None:
        words["due_zh"], words["due_en"] = due_in_words(due, tz)
    if kind in ASKS:
        late = due is not None and now is not None and due < now
        words["ask_zh"], words["ask_en"] = ask(kind, now if late else due, tz, with_time=not late)
    p = {k: fmt(v, tz) for k, v in params.items()} | words
    if "due_at" in p and "due" not in p:
        p["due"] = p["due_at"]
    t = _compiled(kind)
    # shared=True: the parameters are the whole context (these templates use no globals): a cheaper render
    parts = "".join(t.root_render_func(t.new_context(p, shared=True))).split(SEP)
    return parts[0], parts[1], parts[2], parts[3]
