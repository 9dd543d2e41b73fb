"""The pages' words in Chinese and English. A key missing here shows as ⟦key⟧ (and a test fails on it)."""
from __future__ import annotations

import logging

from engine.core.actions.catalogue import LABELS

log = logging.getLogger("duban.pages")

WORDS: dict[str, tuple[str, str]] = {
    # frame
    "brand": ("督办", "Duban"), "nav": ("主菜单", "Main menu"), "menu": ("菜单", "Menu"), "nav_tasks": ("我的待办", "My tasks"),
    "nav_new_directive": ("发起交办", "Issue a directive"), "nav_new_document": ("收文登记", "Register a document"),
    "nav_board": ("督办看板", "Supervision board"), "nav_ledger": ("督办台账", "Ledger"), "nav_admin": ("系统管理", "Admin"),
    "nav_notifications": ("通知", "Notifications"), "switch_lang": ("English", "中文"), "sign_out": ("退出", "Sign out"),
    "footer": ("督办 Duban · 办文督办与考核", "Duban · office task handling and supervision"),
    "system": ("系统", "System"), "sep": ("：", ": "), "list_sep": ("、", ", "), "yes": ("是", "yes"), "no": ("否", "no"),
    "required": ("必填", "required"), "choose": ("请选择", "choose…"), "any": ("全部", "all"),
    "submit": ("提交", "Submit"), "cancel": ("取消", "Cancel"), "save": ("保存", "Save"),
    "do_action": ("确认{action}", "{action}"), "form_problem": ("未能办理，请查看下方标红的提示。",
                                                              "Not done: see the message in red below."),
    # sign-in
    "sign_in": ("登录", "Sign in"), "sign_in_title": ("登录督办系统", "Sign in to Duban"),
    "sign_in_hint": ("请使用本单位分配的账号和密码。", "Use the account and password your office gave you."),
    "login_name": ("账号", "Login"), "password": ("密码", "Password"),
    # errors
    "error_title": ("出错了", "Something went wrong"), "error_403": ("无权操作", "Not allowed"),
    "error_404": ("找不到页面", "Not found"), "error_405": ("请求方式有误", "Wrong method"),
    "error_409": ("已被他人处理", "Changed by someone else"), "error_422": ("填写有误", "Check the input"),
    "not_found": ("没有这个页面，或您无权查看。", "There is no such page, or you may not see it."),
    "bad_method": ("该页面不支持这种请求方式。", "This page does not take that kind of request."),
    "csrf_failed": ("表单已过期或来源不明，请刷新页面后重试。", "The form has expired or came from another site; reload the page and try again."),
    "back_to_tasks": ("返回我的待办", "Back to my tasks"),
    # my tasks
    "tab_open": ("待办", "Open"), "tab_overdue": ("已超期", "Overdue"), "tab_done": ("已办", "Done"),
    "tasks_shown": ("第 {first}–{last} 项，共 {n} 项", "{first}–{last} of {n}"), "pages": ("分页", "Pages"),
    "page_prev": ("‹ 上一页", "‹ Previous"), "page_next": ("下一页 ›", "Next ›"),
    "page_of": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "tasks_shown_done": ("按办结时间由近及远，本页 {n} 项", "Newest closed first, {n} on this page"),
    "page_older": ("更早的 ›", "Older ›"), "page_newest": ("‹ 最新的", "‹ Newest"),
    "no_tasks_open": ("暂无待办事项。", "Nothing to do."), "no_tasks_overdue": ("没有超期的待办。", "Nothing overdue."),
    "no_tasks_done": ("还没有已办事项。", "Nothing done yet."),
    "holder": ("办理人", "Holder"), "due_at": ("办理时限", "Due"), "chased_n": ("已催办 {n} 次", "chased {n}×"),
    "wd_left": ("剩 {n} 个工作日", "{n} working day(s) left"), "wd_overdue": ("超期 {n} 个工作日", "{n} working day(s) overdue"),
    "due_today": ("今日到期", "due today"), "overdue_today": ("已超时", "overdue"),
    "part_single": ("办理", "Single"), "part_lead": ("主办", "Lead"), "part_co": ("协办", "Co-handling"),
    "extension_request": ("延期审批", "Extension request"),
    "reading_task": ("阅件", "For reading"), "circulation_sheet": ("传阅单", "Circulation sheet"),
    "parts_of_item": ("分解事项", "Parts"), "part_of": ("本事项分解自", "A part of"),
    "parts_rollup": ("共 {n} 项，未办结 {open} 项，总体进度 {progress}%", "{n} parts, {open} open, {progress}% done"),
    "parts_weighted": ("（按权重）", " (weighted)"), "parts_earliest": ("最早时限", "Earliest due"),
    "parts_worst_card": ("最重督办牌", "Worst card"), "serial": ("编号", "Serial"), "part_title": ("事项", "Title"),
    "part_lead": ("主办", "Lead"), "part_no": ("第 {n} 项", "Part {n}"), "part_co": ("协办单位", "Co-handling units"),
    "part_instruction": ("办理要求", "Instruction"), "part_weight": ("权重", "Weight"),
    "parts_hint": ("每次最多分解为 50 项；空着的行不计。", "At most 50 parts at a time; blank rows are left out."),
    "no_parts": ("尚未分解。", "Not split."),
    "reader": ("阅件人", "Reader"), "read_state": ("阅读情况", "Read"), "read_time": ("阅毕时间", "Read at"),
    "reading_notes": ("阅批意见", "Reading notes"), "circulated_by": ("传阅人", "Circulated by"),
    "copied_to": ("抄送", "Copied to"), "proposal": ("拟办意见", "Proposal"),
    "proposed_lead": ("拟主办", "Proposed lead"), "proposed_co": ("拟协办", "Proposed co-handlers"),
    "instruction_kept": ("领导批示", "Leader's instruction"),
    "ext_asks": ("{who}申请将时限由 {old} 延至 {new}。", "{who} asks to move the due date from {old} to {new}."),
    "reason": ("理由", "Reason"), "prefill_note": ("已按交办内容预填，可修改后交办。", "Prefilled from the directive; change it if needed."),
    "prefill_note_transfer": ("已按领导批准的拟办意见预填，可修改后转办。",
                              "Prefilled from the approved proposal; change it if needed."),
    "card_yellow": ("黄牌", "Yellow card"), "card_red": ("红牌", "Red card"),
    "chase_default": ("请抓紧办理，并于今日反馈办理进展。", "Please get on with it and report progress today."),
    # flash messages
    "flash_done": ("已{action}。", "Done: {action}."),
    "flash_bulk": ("批量{action}：{done} 项已办理，{refused} 项未能办理（可逐项查看原因）。",
                   "{action} in bulk: {done} done, {refused} refused (open each to see why)."),
    "bulk_title": ("批量办理", "Work in bulk"), "bulk_action": ("操作", "Action"),
    "bulk_to": ("转办至", "Transfer to"), "bulk_reason": ("转办理由", "Reason for the transfer"),
    "bulk_go": ("对所选待办执行", "Apply to the selected tasks"), "bulk_pick": ("选择", "Select"), "flash_done_generic": ("已办理。", "Done."),
    "flash_done_progress": ("进展已反馈。", "Progress reported."),
    "flash_done_request_extension": ("延期申请已提交，等待审批。", "Extension requested; waiting for approval."),
    "flash_started": ("已登记，事项已进入流程。", "Registered: the item is under way."),
    "flash_chased": ("已催办 {n} 项。", "{n} task(s) chased."), "flash_read_all": ("已全部标为已读。", "All marked read."),
    "flash_calendar_saved": ("日历已更新。", "Calendar updated."),
    # proxies while on leave (代理)
    "nav_proxies": ("代理", "Proxies"), "proxies_title": ("请假代理", "Proxies while away"),
    "proxies_hint": ("请假或出差期间，代理人可在“我的待办”中看到并代为办理您的待办（标“代”），催办和升级通知也会同时发给代理人。",
                     "While you are away, your proxy sees and handles your tasks (marked “for”) and also receives "
                     "your chases and escalations."),
    "proxy_for": ("被代理人", "Away"), "proxy_for_me": ("本人", "Myself"), "proxy_to": ("代理人", "Proxy"),
    "proxy_from": ("开始日期", "From"), "proxy_until": ("结束日期（含）", "Until (inclusive)"),
    "proxy_note": ("事由", "Reason"), "proxy_note_hint": ("如：年休假", "e.g. annual leave"),
    "proxy_give": ("设置代理", "Name proxy"), "proxy_revoke": ("撤销", "Revoke"),
    "proxies_given": ("我委托的代理", "Proxies I named"), "proxies_received": ("我代理的同事", "People I stand in for"),
    "no_proxies": ("暂无。", "None."), "proxy_stands_in": ("由{who}代理", "{who} stands in"),
    "proxy_you_stand_in": ("代{who}办理", "You stand in for {who}"), "proxy_active": ("生效中", "in force"),
    "proxy_not_active": ("未生效或已结束", "not in force"), "proxy_revoked_state": ("已撤销", "revoked"),
    "on_behalf": ("代", "for"), "on_behalf_title": ("代{who}办理", "on behalf of {who}"),
    "flash_proxy_given": ("代理已设置。", "Proxy named."), "flash_proxy_revoked": ("代理已撤销。", "Proxy revoked."),
    # item page
    "version_n": ("第 {n} 版", "version {n}"), "confidential": ("涉密", "Confidential"), "item_facts": ("事项信息", "About"),
    "current_step": ("当前环节", "Current step"), "ended": ("已结束", "Ended"), "registered_by": ("登记", "Registered by"),
    "lead_unit": ("主办单位", "Lead"), "co_units": ("协办单位", "Co-handling"), "closed_at": ("办结时间", "Closed"),
    "rating": ("办结评价", "Leader's rating"),
    "satisfaction_by_unit": ("办结评价（按主办单位）", "Leaders' ratings by lead unit"),
    "rating_satisfied": ("满意", "Satisfied"), "rating_basically": ("基本满意", "Basically satisfied"),
    "rating_unsatisfied": ("不满意", "Unsatisfied"), "rating_none": ("未评价", "Not rated"),
    "satisfaction_score": ("满意度", "Score"),
    "satisfaction_note": ("满意 100、基本满意 80、不满意 40，按已评价事项平均；未评价不计入。",
                          "Satisfied 100, basically 80, unsatisfied 40, averaged over the rated items; not rated is "
                          "not counted."),
    "progress": ("办理进展", "Progress"), "subject": ("登记内容", "Details"), "diagram": ("流程图", "Workflow"),
    "report_prompt": ("定期反馈", "Progress reports due"),
    "report_due_today": ("请于今日下班前反馈进展", "report progress by the close of office today"),
    "report_missed_on": ("{day} 未按期反馈，请尽快反馈进展", "report of {day} missed: please report progress now"),
    "milestones_example": ("2026-04-10 调研摸底", "2026-04-10 Survey done"),
    "milestones": ("节点", "Milestones"), "ms_done": ("已完成", "done"), "ms_missed": ("逾期未完成", "missed"),
    "ms_due": ("未到期", "due"), "ms_late": ("逾期完成", "done late"),
    "milestones_hint": ("每行一个节点：YYYY-MM-DD 节点名称，最多 30 个", "one milestone a line: YYYY-MM-DD title, at most 30"),
    "legend_current": ("当前环节", "current step"), "legend_visited": ("已经过", "reached"), "legend_idle": ("未到达", "not reached"),
    "mermaid_source": ("Mermaid 源码", "Mermaid source"), "tasks_of_item": ("办理任务", "Tasks"), "step": ("环节", "Step"),
    "part": ("角色", "Part"), "state": ("状态", "State"), "chases": ("催办次数", "Chases"), "actions": ("操作", "Actions"),
    "timeline": ("流程轨迹", "Timeline"),
    # issuing
    "submit_directive": ("发起交办", "Issue the directive"), "submit_document": ("登记收文", "Register the document"),
    "wd_pick": ("距今 {n} 个工作日（周{weekday}）", "{n} working day(s) from today ({weekday})"),
    "wd_pick_today": ("今天（周{weekday}）下班前", "today ({weekday}) by close of office"),
    "wd_past": ("该日期已过（周{weekday}）", "that date has passed ({weekday})"),
    "wd_weekend": ("，当日为休息日", "; a day off"), "wd_day_off": ("，当日为休息日（{name}）", "; a day off ({name})"),
    "wd_bad_date": ("请选择日期", "pick a date"),
    "wd_moved": ("，期限顺延至 {day}（周{weekday}）", "; the due date moves to {day} ({weekday}), the next working day"),
    "wd_year_unknown": ("。注意：{year} 年的法定节假日尚未收录，暂按周一至周五计算",
                        ". Note: the statutory holidays of {year} are not known yet; counted Monday to Friday"),
    "years_unknown": ("{years} 年的法定节假日尚未收录，期限暂按周一至周五计算，请管理员在工作日历中录入。",
                      "The statutory holidays of {years} are not known yet: deadlines count Monday to Friday until "
                      "an administrator enters them in the working calendar."),
    # notifications
    "mark_all_read": ("全部标为已读", "Mark all read"), "mark_read": ("标为已读", "Mark read"),
    "open_item": ("查看事项", "Open the item"), "read_at": ("{at} 已读", "read {at}"), "no_notifications": ("暂无通知。", "No notifications."),
    # board and ledger
    "board_as_of": ("数据截至 {now}", "As of {now}"), "count_running": ("办理中", "In progress"),
    "count_overdue": ("已超期", "Overdue"), "count_due_soon": ("5 个工作日内到期", "Due within 5 working days"),
    "count_completed": ("已办结", "Completed"), "count_archived": ("已归档", "Archived"), "count_cancelled": ("已撤销", "Cancelled"),
    "count_yellow": ("黄牌", "Yellow cards"), "count_red": ("红牌", "Red cards"),
    "count_with_material": ("办结有材料", "Completed with material"),
    # attachments (附件)
    "flash_file_removed": ("附件已移除（记录保留）。", "File removed (its record is kept)."),
    "flash_file_reason_needed": ("移除附件须填写理由。", "Give a reason to remove a file."),
    "files": ("附件", "Files"), "no_files": ("暂无附件", "No files yet"),
    "file_name": ("文件", "File"), "file_size": ("大小", "Size"), "file_by": ("上传人", "Uploaded by"),
    "file_at": ("上传时间", "Uploaded at"), "file_origin": ("来源", "Came with"),
    "file_remove": ("移除", "Remove"), "file_remove_reason": ("移除理由", "Reason for removing"),
    "file_pick": ("选择文件（可多选）", "Choose files (several at once)"),
    "file_limit": ("每个文件不超过 {mb} MB；PDF、OFD、图片、Word/Excel/PowerPoint、WPS、文本或 ZIP",
                   "each file at most {mb} MB; PDF, OFD, images, Word/Excel/PowerPoint, WPS, text or ZIP"),
    "origin_registration": ("登记", "Registration"), "origin_progress": ("进展反馈", "Progress report"),
    "origin_complete": ("办结", "Completion"), "origin_comment": ("留言", "Comment"),
    "origin_instruct": ("批示", "Instruction"), "origin_extension": ("延期申请", "Extension request"),
    "origin_appeal": ("申诉", "Appeal"), "origin_opinion": ("会办意见", "Co-handling opinion"),
    "origin_reading": ("阅批", "Reading note"),
    "origin_item": ("事项附件", "Added to the item"),
    "count_without_material": ("办结无材料", "Completed without material"),
    "chart_overdue_by_unit": ("各单位超期任务", "Overdue tasks by unit"), "chart_on_time": ("各单位按时办结率", "On-time rate by unit"),
    "chart_weekly": ("每周办结与超期", "Completed and overdue per week"), "series_completed": ("办结事项", "completed"),
    "series_overdue": ("超期事项", "overdue"), "no_data": ("暂无", "none yet"),
    "on_time_note": ("按时办结率 = 按时办结的任务 ÷（按时办结 + 超期办结 + 已超期未办结）；延期获批后按新时限计。",
                     "On-time rate = tasks done on time ÷ (on time + done late + open past due); an approved extension sets the due date."),
    "carded_items": ("亮牌事项", "Items with a yellow or red card"), "card": ("亮牌", "Card"), "serial": ("编号", "No."),
    "item": ("事项", "Item"), "overdue_days": ("超期", "Overdue"), "no_cards": ("没有亮牌事项。", "No carded items."),
    "upcoming": ("即将到期", "Due soon"), "upcoming_all": ("查看全部 {n} 项", "See all {n}"), "days_left": ("剩余", "Left"), "no_upcoming": ("5 个工作日内没有到期的任务。", "Nothing due within 5 working days."),
    "overdue_tasks": ("超期任务（可批量催办）", "Overdue tasks (chase several at once)"), "select_all": ("全选", "Select all"),
    "select": ("选择", "Select"), "cannot_chase": ("您不能催办该任务", "you cannot chase this task"),
    "chase_message": ("催办内容", "Chase message"), "chase_selected": ("催办所选", "Chase the selected"),
    "no_overdue": ("没有超期任务。", "Nothing overdue."), "pick_tasks": ("请先勾选要催办的任务。", "Tick the tasks to chase first."),
    "message_required": ("请填写催办内容。", "Write the chase message."),
    "f_level": ("督办级别", "Level"), "f_light": ("亮灯", "Light"), "lights_board": ("亮灯情况（在办事项）", "Lights of running items"),
    "light_green": ("绿灯", "Green"), "light_yellow": ("黄灯", "Yellow"), "light_red": ("红灯", "Red"),
    "f_unit": ("单位", "Unit"), "f_definition": ("类型", "Kind"), "f_state": ("状态", "State"), "f_overdue": ("超期", "Overdue"),
    "f_period": ("期间", "Period"), "f_since": ("交办自", "Issued from"), "f_until": ("至", "to"), "f_q": ("检索", "Search"),
    "apply_filters": ("筛选", "Filter"), "clear_filters": ("清除", "Clear"), "overdue_only": ("仅超期", "overdue only"),
    "not_overdue": ("未超期", "not overdue"), "period_all": ("全部期间", "any time"), "period_week": ("本周", "this week"),
    "period_month": ("本月", "this month"), "period_quarter": ("本季度", "this quarter"), "period_year": ("本年", "this year"),
    "f_group_by": ("分组", "Group by"), "group_unit": ("按单位", "by unit"), "group_leader": ("按批示领导", "by leader"),
    "group_source": ("按来源", "by source"), "group_level": ("按督办级别", "by level"), "groups": ("分组统计", "By group"),
    "g_name": ("分组", "Group"), "g_total": ("总数", "Total"), "g_running": ("在办", "Open"), "g_closed": ("办结", "Closed"),
    "g_overdue": ("超期", "Overdue"),
    "print_notice": ("打印督办通知单", "Print the notice (PDF)"), "chase_slip": ("催办单", "Chase slip"),
    "bulletin_docx": ("督查通报（Word）", "Bulletin (Word)"), "bulletin_pdf": ("督查通报（PDF）", "Bulletin (PDF)"),
    "export_xlsx": ("导出 Excel", "Export Excel"), "export_csv": ("导出 CSV", "Export CSV"),
    "ledger_count": ("共 {n} 项", "{n} item(s)"), "no_items": ("没有符合条件的事项。", "No items match."),
    # appraisal
    "nav_appraisal": ("考核", "Appraisal"), "period": ("考核期", "Period"), "start_cycle": ("发起考核", "Start a cycle"),
    "start_cycle_note": ("每季度首个工作日 09:00 会自动发起上一季度的考核；此处可提前或补发（同一考核期只有一个）。",
                         "Each quarter's cycle starts by itself at 09:00 on the first working day after it; start one "
                         "here by hand (one per period)."),
    "opened_at": ("开启时间", "Opened"), "no_cycles": ("还没有考核周期。", "No appraisal cycles yet."),
    "flash_cycle_started": ("考核已发起。", "The cycle has started."),
    "people_in_scope": ("{n} 人", "{n} people"), "revision_n": ("第 {n} 次公布", "revision {n}"),
    "cycle_item": ("考核流程", "The cycle's workflow"), "calibration": ("校准", "Calibration"),
    "my_appraisal_tasks": ("我的考核任务", "My appraisal tasks"),
    "no_appraisal_tasks": ("当前没有需要您填写的考核表。", "Nothing for you to fill in now."),
    "about_person": ("关于 {name}", "about {name}"),
    "results": ("考核结果", "Results"), "no_results_yet": ("结果尚未公布。", "No results to show yet."),
    "chart_scores_by_unit": ("各单位得分分布", "Scores by unit"), "mean": ("平均分", "mean"),
    "person": ("被考核人", "Person"), "score": ("得分", "Score"), "band": ("等次", "Band"),
    "computed": ("计算结果", "Computed"), "appeal": ("申诉", "Appeal"), "appeal_open": ("申诉中", "open"),
    "appeal_upheld": ("维持原结果", "upheld"), "appeal_adjusted": ("已调整", "adjusted"),
    "appeal_reason": ("申诉理由", "Appeal"), "next_band": ("{band}的分数线", "the line for {band}"),
    "confirm_or_appeal": ("确认结果或申诉", "Confirm or appeal"), "breakdown": ("得分构成", "How the score is made"),
    "dimension": ("考核维度", "Dimension"), "raw": ("原始值", "Raw"), "normalised": ("折算分", "Normalised"),
    "weight": ("权重", "Weight"), "effective_weight": ("有效权重", "Effective weight"),
    "contribution": ("得分贡献", "Contribution"), "evidence": ("依据", "Evidence"),
    "responses_n": ("{n} 份", "{n} response(s)"), "task_metrics": ("任务指标", "Task metrics"), "metric": ("指标", "Metric"),
    "value": ("数值", "Value"), "changes": ("调整记录", "Changes"), "change_calibration": ("校准", "calibration"),
    "change_signoff": ("校准签发", "sign-off"), "change_appeal": ("申诉调整", "appeal"),
    "change_upheld": ("申诉维持", "appeal upheld"),
    "signed_off": ("{who}已于 {at} 签发校准结果。", "{who} signed the calibration off at {at}."),
    "quota_breaches": ("有 {n} 处等次人数超出比例：请调整，或在签发时说明理由。",
                       "{n} band(s) over quota: calibrate, or give the reason when signing off."),
    "band_min": ("分数线", "From"), "count": ("人数", "People"), "quota": ("比例", "Quota"), "allowed": ("名额", "Allowed"),
    "over_quota": ("超出比例", "over quota"), "calibrate_and_sign_off": ("校准与签发", "Calibrate and sign off"),
    # admin
    "admin_org": ("组织机构", "Organisation"), "admin_calendar": ("工作日历", "Calendar"), "admin_definitions": ("流程定义", "Definitions"),
    "org_source_note": ("组织机构由 YAML 文件导入（如 definitions/org.demo.yaml）；通知渠道只显示类型，不显示其中的密钥。",
                        "The organisation is loaded from a YAML file (such as definitions/org.demo.yaml); channels show their kind only, never their secrets."),
    "units": ("单位", "Units"), "unit": ("单位", "Unit"), "code": ("代码", "Code"), "name": ("名称", "Name"),
    "unit_head": ("负责人", "Head"), "members": ("人数", "People"), "roles": ("角色", "Roles"), "people": ("人员", "People"),
    "category": ("考核类别", "Category"), "channels": ("通知渠道", "Channels"), "inbox_only": ("仅站内通知", "inbox only"),
    "calendar_year": ("{year} 年特殊日期", "Special days of {year}"),
    "year_unknown": ("{year} 年的法定节假日尚未收录，请按国务院通知逐日设置。",
                     "The statutory holidays of {year} are not known yet: set them day by day from the State Council's notice."),
    "date": ("日期", "Date"), "day_kind": ("类型", "Kind"), "working_day": ("工作日", "working day"), "day_off": ("休息日", "day off"),
    "note": ("说明", "Note"), "special_days": ("节假日、调休与自定义", "Holidays, make-up days and overrides"),
    "source": ("来源", "Source"), "source_override": ("自定义", "override"), "source_statutory": ("法定", "statutory"),
    "source_weekday": ("周内", "weekday"), "remove_override": ("取消自定义", "Remove"),
    "no_special_days": ("本年没有特殊日期。", "No special days this year."),
    "definition_files": ("definitions/ 目录中的流程文件", "Workflow files in definitions/"), "file": ("文件", "File"),
    "validation": ("校验结果", "Validation"), "valid": ("通过", "valid"),
    "def_facts": ("编号前缀“{prefix}”，{steps} 个环节，{fields} 个字段。", "Serial prefix “{prefix}”, {steps} steps, {fields} fields."),
    "started_by": ("发起人", "Started by"), "validate_yaml": ("校验流程定义（不部署）", "Check a definition (without deploying it)"),
    "validate": ("校验", "Check"), "valid_definition": ("{id} 第 {version} 版校验通过。", "{id} version {version} is valid."),
    # people and accounts
    "org_edit_note": ("在此添加和修改单位、人员，设置密码，办理人员离职（停用并移交待办），或从表格批量导入人员；通知渠道只显示类型，不显示其中的密钥。",
                      "Add and edit units and people, set passwords, handle a leaver (disable and hand over their tasks) "
                      "or import staff from a spreadsheet here; channels show their kind only, never their secrets."),
    "rename": ("修改", "Edit"), "name_zh": ("中文名称", "Chinese name"), "person_name": ("姓名", "Name (Chinese)"),
    "person_name_en": ("英文名", "English name"), "name_en": ("英文名称", "English name"),
    "add_unit": ("新增单位", "Add a unit"), "unit_code_hint": ("小写字母开头，只含小写字母、数字和下划线", "a lower-case letter, then letters, digits or _"),
    "add_person": ("新增人员", "Add a person"), "login_hint": ("2–64 个字符：小写字母开头，可含数字和 . _ -", "2–64 characters: a lower-case letter first, then letters, digits, . _ -"),
    "account": ("账号状态", "Account"), "account_disabled": ("已停用", "disabled"), "account_no_password": ("未设密码，无法登录", "no password: cannot sign in"),
    "account_must_change": ("须修改初始密码", "must change the initial password"), "account_ok": ("正常", "active"),
    "email": ("邮箱", "E-mail"), "phone": ("手机", "Phone"), "dingtalk_userid": ("钉钉用户 ID", "DingTalk user id"),
    "wecom_userid": ("企业微信用户 ID", "WeCom user id"), "initial_password": ("初始密码", "Initial password"),
    "initial_password_hint": ("本人首次登录后须修改。", "The person must change it after signing in."),
    "password_rule": ("至少 {min} 个字符，不能是或包含账号，不能是常见密码。", "At least {min} characters, not the login nor containing it, not a common password."),
    "import_people": ("从表格导入人员", "Import staff from a spreadsheet"),
    "import_hint": ("XLSX 或 CSV，列为 登录名、姓名、单位、角色、类别、邮箱、手机；最多 {rows} 行、{mb} MB；任何一行有误则全部不导入。",
                    "XLSX or CSV with the template's columns (login, name, unit, roles, category, e-mail, phone); at most {rows} rows and {mb} MB; one bad row and nothing is imported."),
    "import_template": ("下载模板", "Download the template"), "dry_run": ("仅试导入（不保存）", "dry run (save nothing)"),
    "import": ("导入", "Import"), "row": ("行", "Row"), "column": ("列", "Column"), "problem": ("问题", "Problem"),
    "import_result": ("已导入 {n} 人。", "{n} people imported."), "import_dry_run_result": ("试导入：将创建 {n} 人，尚未保存。", "Dry run: {n} people would be created; nothing saved."),
    "import_list": ("导入督办清单", "Import a supervision list"),
    "import_list_hint": ("会议纪要督办清单：XLSX 或 CSV，列为 事项、批示内容/会议要求、主办单位、协办单位、办理时限、批示领导、来源、督办级别；单位和人员可写名称（财务部、王局长）或代码；最多 {rows} 行、{mb} MB；先试导入，任何一行有误则全部不导入。",
                         "A meeting's list of decisions: XLSX or CSV with the template's columns (item, instruction or meeting requirement, lead unit, co-handling units, due date, instructing leader, source, supervision level); units and people by name or code; at most {rows} rows and {mb} MB; try a dry run first; one bad row and nothing is imported."),
    "import_list_result": ("已导入 {n} 项督办事项。", "{n} items imported."),
    "import_list_dry_run_result": ("试导入：将创建 {n} 项，尚未保存。", "Dry run: {n} items would be created; nothing saved."),
    "item_title": ("事项", "Item"),
    "import_set_passwords": ("导入的人员需由管理员设置初始密码后才能登录。", "Imported people sign in once an administrator has set their password."),
    "password_changed_at": ("密码设置于", "password set"), "handover_to": ("待办移交给", "Hand open tasks to"),
    "handover_unit": ("退回原单位待办（由负责人分派）", "back to their unit's queue (the head assigns)"),
    "handover_move_hint": ("调动单位时，本人名下的待办按此移交。", "When the unit changes, the person's open tasks go here."),
    "set_password": ("设置密码", "Set the password"), "new_password": ("新密码", "New password"),
    "disable_person": ("停用账号（离职）", "Disable (leaver)"),
    "disable_hint": ("停用后立即无法登录，其名下未办结的待办一次性批量转办给接手人或原单位。", "The person can no longer sign in, at once; their open tasks are handed over in one go to the successor or back to their unit."),
    "enable_person": ("重新启用账号", "Enable the account again"),
    "change_password": ("修改密码", "Change password"), "current_password": ("当前密码", "Current password"),
    "new_password_again": ("再次输入新密码", "New password again"),
    "password_forced": ("管理员为您设置了初始密码，请先修改密码再继续使用。", "An administrator set your password: change it before going on."),
    "flash_password_changed": ("密码已修改。", "Password changed."), "flash_password_set": ("密码已设置，本人登录后须修改。", "Password set; the person must change it after signing in."),
    "flash_org_saved": ("已保存。", "Saved."), "flash_person_added": ("人员已添加。", "Person added."),
    "flash_person_disabled": ("账号已停用，待办已移交。", "Account disabled; open tasks handed over."),
    # one-tap links from messages, and the person's message settings
    "link_ready": ("来自消息：请{action}", "From your message: {action}"),
    "link_ready_hint": ("该消息已标为已阅。请核对后点击下方按钮办理。", "The message is marked read. Check, then press the button below."),
    "link_action_read": ("已阅", "Read"),
    "link_title": ("消息链接", "Message link"),
    "link_other": ("这个链接是发给另一位同事的，不能由您使用。", "This link was sent to a colleague and cannot be used by you."),
    "link_used": ("这个链接已经用过了（每个链接只能打开一次）。", "This link was already used (each link opens once)."),
    "link_expired": ("这个链接已过期。", "This link has expired."),
    "link_unknown": ("没有这个链接，可能抄错了。", "There is no such link; it may have been copied wrongly."),
    "link_see_item": ("您仍可查看该事项：", "You can still see the item:"),
    "link_no_item": ("请到“我的待办”中查找该任务。", "Look for the task under My tasks."),
    "open_the_item": ("打开事项", "Open the item"), "open_and_handle": ("打开办理", "Open and handle"),
    "nav_me": ("我的设置", "My settings"), "message_settings": ("消息设置", "Message settings"),
    "preferred_channel": ("接收消息的通道", "Where messages reach me"),
    "channel_all": ("我的全部通道", "All my channels"), "channel_inapp": ("仅站内通知", "In-app only"),
    "channel_mail": ("邮件", "Mail"), "channel_dingtalk": ("钉钉工作通知", "DingTalk work notification"),
    "channel_wecom": ("企业微信应用消息", "WeCom application message"),
    "channel_missing": ("（尚无账号，将发到单位群）", "(no account yet: sent to the unit's channel)"),
    "daily_digest": ("到期提醒和催办每天汇总成一条", "One daily digest of reminders and chases"),
    "flash_preferences_saved": ("消息设置已保存。", "Message settings saved."),
    # search (检索)
    "search": ("检索", "Search"), "search_box": ("检索事项、编号、来文、附件", "Search items, serials, documents, files"),
    "search_go": ("检索", "Go"), "search_hint": ("任意两个以上的字即可检索（标题、批示、来文单位、文号、反馈、意见、附件）；编号可写作 督〔2026〕15号、督2026-15 或 15号；多个词以空格分开。最多 100 个字。",
                                               "Any two or more characters find what contains them (titles, instructions, senders, document numbers, reports, opinions, attachments); a serial number may be typed in full, as prefix-year-number or as the number alone; separate several words by spaces. At most 100 characters."),
    "search_found": ("共找到 {n} 项", "{n} found"), "search_capped": ("找到的很多，只统计了最近的命中；请再加一个词缩小范围。",
                                                                   "Many hits: only the newest were counted; add a word to narrow it."),
    "search_none": ("没有找到与“{q}”相关、你可以查看的事项。", "Nothing you may see matches “{q}”."),
    "search_matched_in": ("命中", "Matched in"), "f_search_q": ("检索", "Search"),
}

# Holiday names as the calendar libraries give them (English), and as the Chinese pages say them.
HOLIDAYS_ZH = {
    "new year's day": "元旦", "spring festival": "春节", "chinese new year (spring festival)": "春节",
    "chinese new year's eve": "除夕", "tomb-sweeping day": "清明节", "labour day": "劳动节", "labor day": "劳动节",
    "dragon boat festival": "端午节", "mid-autumn festival": "中秋节", "national day": "国庆节",
    "anti-fascist 70th day": "抗战胜利70周年纪念日", "make-up working day": "调休上班",
}


def holiday_name(name: str | None, lang: str) -> str:
    """A holiday's name in the page language: the libraries' English names in Chinese on Chinese pages."""
    if not name or lang == "en":
        return name or ""
    text = name.strip()
    if text.lower().startswith("day off (substituted"):
        return "调休"
    observed = text.lower().endswith("(observed)")
    base = text[: -len("(observed)")].strip() if observed else text
    zh = HOLIDAYS_ZH.get(base.lower())
    if zh is None:
        return name
    return f"{zh}（补休）" if observed else zh


class Translator:
    """`t(key, **params)` in one language; `t.flash(value)` for the one-time messages after an action."""

    def __init__(self, lang: str):
        self.lang = "en" if lang == "en" else "zh"

    def __call__(self, key: str, **params: object) -> str:
        pair = WORDS.get(key)
        if pair is None:
            log.warning("no words for %r", key)
            return f"⟦{key}⟧"
        text = pair[1] if self.lang == "en" else pair[0]
        return text.format(**params) if params else text

    def action(self, name: str) -> str:
        pair = LABELS.get(name)
        return (pair[1] if self.lang == "en" else pair[0]) if pair else name

    def flash(self, value: str) -> str:
        key, *args = value.split(".")
        if key == "done" and args and f"flash_done_{args[0]}" in WORDS:
            return self(f"flash_done_{args[0]}")
        if key == "done":
            return self("flash_done", action=self.action(args[0])) if args and args[0] in LABELS \
                else self("flash_done_generic")
        if key == "chased":
            return self("flash_chased", n=args[0] if args else 0)
        if key == "bulk" and len(args) == 3:
            return self("flash_bulk", done=args[0], refused=args[1], action=self.action(args[2]))
        return self(f"flash_{key}")
