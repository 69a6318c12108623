"""The demo's customer voice: survey invitations with their tokens and states, responses
with their answers and devices (a few flagged for review), the follow-up queue and its
calls, complaints through their workflow with a timeline, and praise.

`VoiceMixin` is part of demo.workload.Workload: it runs once per closed order, so it
keeps to cheap draws and builds every row as a plain tuple in the order of
demo.bulk.COLUMNS. The rates it aims at (small and large alike):

- every closed order is invited (RESPONSE_SHARE of the invitations are answered);
- CSAT (overall ≥ 4) about 90 %, from workload.MOODS;
- complaints about 1.5 % of closed orders (COMPLAINT_CHANCE by mood);
- follow-up calls for every complaint and comeback and the scale's sample of the rest,
  which with the survey answers covers about 60 % of closed orders (FOLLOWUP_COVERAGE).
"""

import base64
import itertools
import json
import random

from servicescore.core.devices import device_fingerprint

from . import catalog
from .config import DAY, HOUR, MINUTE

# Of the invitations sent, this share is answered (SURVEY_RESPONSE_RATE ≈ 40 %).
RESPONSE_SHARE = 0.4
# Survey: sent SURVEY_DELAY after closing (VoicePolicy.survey_delay_minutes), a reminder
# after REMINDER, the link expires after EXPIRY (the policy's defaults).
SURVEY_DELAY = 120 * MINUTE
REMINDER = 48 * HOUR
EXPIRY = 7 * DAY
# Of the invitations never answered, this share was opened at least.
OPENED_UNANSWERED = 0.3
# Follow-ups: due FOLLOWUP_DUE after closing, a retry RETRY after a missed call, at most
# MAX_ATTEMPTS calls (the policy's defaults); REACH_RATE of the calls are answered.
FOLLOWUP_DUE = 72 * HOUR
RETRY = 4 * HOUR
MAX_ATTEMPTS = 3
REACH_RATE = 0.8
# Orders closed within BACKLOG_DAYS before the demo's now whose task nobody has called yet
# (the agents' queue on the first morning holds due and overdue calls).
BACKLOG_DAYS = 4
BACKLOG_SHARE = 0.3
# Complaints: the chance of one by the order's mood, the deadline (complaint_sla_hours),
# how they come in, and how long their steps take.
COMPLAINT_CHANCE = {"good": 0.003, "meh": 0.025, "bad": 0.1}
COMPLAINT_SLA = 48 * HOUR
COMPLAINT_SOURCES = ("phone", "phone", "phone", "followup", "followup", "online", "walk_in", "other")
# Fraud signals: the chance that a response is flagged, and the responses at the demo
# manager's centre flagged in the last days whatever the draw (the review queue's tour).
FLAG_CHANCE = 0.004
PINNED_FLAGS = 3
REVIEW_WAIT = 7 * DAY  # flagged responses older than this have been reviewed

COMPLAINTS = [
    ("维修后问题复现", "客户反映车辆维修后不到一周同样故障再次出现，要求重新检修并给出说明。"),
    ("等待时间过长", "客户预约上午到店，实际下午才开始施工，全程无人告知进度。"),
    ("服务态度差", "客户称接待人员态度冷淡，对问题解释不耐烦。"),
    ("收费有异议", "客户认为结算金额高于报价，对工时费和配件费用有疑问。"),
    ("车辆有新划痕", "客户取车时发现右后门有新划痕，怀疑是维修过程中造成。"),
    ("未按约定上门", "客户预约上门安装充电桩，技师迟到两小时且未提前联系。"),
    ("配件长时间未到", "客户车辆等待配件超过一周，多次询问无明确答复。"),
    ("质保被拒有异议", "客户认为故障属于质保范围，对拒赔结论不认可。"),
]
DECISIONS_VALID = [
    "经调取工单记录与监控核实，情况属实，责任在当事员工。",
    "经与技师及客户沟通确认，施工环节存在疏漏。",
    "经核查结算明细，报价说明不充分，责任成立。",
]
DECISIONS_NOT_VALID = [
    "经核实，故障与本次维修项目无关，投诉不成立。",
    "监控显示车辆到店时已有该划痕，投诉不成立。",
    "费用与客户签字确认的报价一致，投诉不成立。",
]
RESOLUTIONS = [
    "已安排免费返修并赠送一次保养。",
    "已向客户致歉并退还部分工时费。",
    "已对当事员工进行辅导，并向客户电话致歉。",
    "已加急调配配件并提供代步车。",
]
COMPLAINT_NOTES = ["已联系客户了解详情", "已调取施工记录和监控", "已与当事员工面谈"]
FOLLOWUP_ISSUES = ["等待时间偏长", "结算说明不够清楚", "车内有少量油污未清理", "希望提前通知取车时间"]
PRAISE_SOURCES = ["满意度评价留言", "感谢信", "客户来电", "点评平台好评", "锦旗", "回访电话"]
MISSED_CALL = "客户未接听，短信已发送"
SURVEY_CHANNELS = ("sms", "wecom", "wecom", "sms", "web", "phone")


def _user_agents() -> list[tuple[str, str]]:
    """(user agent, device fingerprint) of the customers' phones: a few hundred browsers,
    the same for every build. The fingerprint is core.devices.device_fingerprint's."""
    draw = random.Random(2026)
    agents = set()
    while len(agents) < 400:
        wechat = draw.choice(("8.0.47", "8.0.49", "8.0.50", "8.0.53"))
        if draw.random() < 0.45:
            ios = draw.choice(("16_7_8", "17_4_1", "17_6_1", "18_1_1", "18_3_2"))
            build = draw.choice(("15E148", "21F90", "22D82"))
            agents.add(
                f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 "
                f"(KHTML, like Gecko) Mobile/{build} "
                f"MicroMessenger/{wechat}(0x1800{draw.randrange(1000, 9999)}) "
                "NetType/WIFI Language/zh_CN"
            )
        else:
            android = draw.choice(("12", "13", "14"))
            model = draw.choice(("V2307A", "22081212C", "PGBM10", "ALN-AL00", "SM-S9180", "M2012K11AC"))
            chrome = f"{draw.randrange(110, 131)}.0.{draw.randrange(5000, 6800)}.{draw.randrange(10, 200)}"
            agents.add(
                f"Mozilla/5.0 (Linux; Android {android}; {model} Build/TP1A) AppleWebKit/537.36 "
                f"(KHTML, like Gecko) Chrome/{chrome} Mobile Safari/537.36 MicroMessenger/{wechat}"
            )
    return [(ua, device_fingerprint(ua)) for ua in sorted(agents)]


USER_AGENTS = _user_agents()
# A workshop PC: the browser staff use on the work order (a staff-device flag's source).
STAFF_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36"
)
STAFF_DEVICE = device_fingerprint(STAFF_AGENT)
EMAIL_NAMES = ("wang", "li", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun")
MOBILE_NETS = (36, 39, 42, 58, 111, 112, 117, 120, 183, 223)
# Comments as JSON text, for the answers built as text (json.dumps once per comment).
COMMENT_JSON = {
    c: json.dumps(c, ensure_ascii=False)
    for c in catalog.GOOD_COMMENTS + catalog.MIXED_COMMENTS + catalog.BAD_COMMENTS
}


def customer_email(cid: int) -> str:
    """About one customer in six gave an e-mail address; derived from the id, so the
    invitations know it without keeping the customers in memory."""
    if (cid * 2654435761 >> 8) % 6:
        return ""
    return f"{EMAIL_NAMES[cid % len(EMAIL_NAMES)]}{cid}@example.com"


def customer_language(cid: int) -> str:
    """A few customers read English; the rest Chinese."""
    return "en" if (cid * 2246822519 >> 8) % 40 == 0 else "zh-hans"


def install_survey_template() -> int:
    """The active default survey template with the standard questions (the one the survey
    page falls back on); returns its id."""
    from servicescore.voice.services.surveys import default_template

    return default_template().pk


def active_template_id() -> int | None:
    from servicescore.voice.models import SurveyTemplate

    return SurveyTemplate.objects.filter(active=True, work_order_type="").values_list("pk", flat=True).first()


class VoiceMixin:
    """Workload's customer voice (see the module's docstring)."""

    def voice_setup(self, moods):
        from servicescore.voice.models import VoicePolicy
        from servicescore.voice.services.followups import in_sample

        self.in_sample = in_sample
        self.sample_percent = round(self.scale.followup_rate * 100)
        # The company's sampling rule says the same, so orders closed live are sampled alike;
        # its agents sit in one customer-service centre and call every centre's customers.
        VoicePolicy.objects.filter(pk=VoicePolicy.current().pk).update(
            followup_sample_percent=self.sample_percent, central_customer_service=True
        )
        self.template_id = active_template_id()
        self.mood_cum = {mood: list(itertools.accumulate(weights)) for mood, weights in moods.items()}
        self.demo_agent = self.net.demo.get("agent")
        self.cs_manager_user = self.user_of.get(self.net.cs_manager.id) if self.net.cs_manager else None
        self.pinned_flags = 0
        # Recent orders at the demo manager's centre with no task and no complaint yet:
        # the pinned complaints of pinned_voice go there.
        self.quiet_orders = []
        # (user id, ip) → (first, last) use of the workshop PC the flagged answers came from.
        self.staff_devices = {}
        # Set by pinned_invitations: the state the next closed order's invitation is given.
        self.forced_invitation = None

    def token(self) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(32))[:43].decode()

    def voice(self, order_id, closed, mood, tech, advisor, late, centre, customer, comeback):
        """Survey, follow-up, complaint and praise for a closed order."""
        if self.forced_invitation is not None:  # a pinned order: its invitation only
            self.pinned_invitation(order_id, customer, self.forced_invitation, closed=closed)
            return
        rng, now = self.rng, self.now
        overall = submitted = None
        send_after = closed + SURVEY_DELAY
        if rng.random() < self.scale.survey_rate / RESPONSE_SHARE:  # invited
            language, recipient = customer_language(customer), ""
            email = customer_email(customer)
            if email and rng.random() < 0.4:
                channel, recipient = "email", f"{email[0]}***@example.com"
            else:
                channel = self.choice(SURVEY_CHANNELS)
            sent = send_after + self.lognormal(3 * MINUTE, 0.8)
            opened = reminded = response = None
            if sent >= now:
                state, sent, expires = "scheduled", None, None
            else:
                expires = sent + EXPIRY
                state = "expired" if expires < now else "sent"
                if rng.random() < RESPONSE_SHARE:
                    at = sent + self.lognormal(6 * HOUR, 1.2)
                    if at < now and at < expires:
                        submitted = at
                if submitted is not None:
                    state = "answered"
                    response, overall, opened = self.survey(
                        order_id, submitted, sent, channel, language, mood, tech, advisor, late, centre
                    )
                elif rng.random() < OPENED_UNANSWERED:
                    at = sent + self.lognormal(3 * HOUR, 1.0)
                    opened = at if at < now and at < expires else None
                if sent + REMINDER < min(now, expires) and (submitted is None or submitted > sent + REMINDER):
                    reminded = sent + REMINDER
            self.batch["voice.SurveyInvitation"].append(
                (
                    self.next_id("voice.SurveyInvitation"),
                    order_id,
                    sent,
                    channel,
                    response,
                    closed,
                    submitted or opened or sent or closed,
                    self.template_id,
                    self.token(),
                    state,
                    send_after,
                    expires,
                    opened,
                    reminded,
                    language,
                    recipient,
                )
            )

        complaint = None
        if self.complaint_handlers and rng.random() < COMPLAINT_CHANCE[mood]:
            source = self.choice(COMPLAINT_SOURCES)
            if submitted is not None and overall <= 2:
                source = "survey"
                received = submitted + self.lognormal(2 * HOUR, 0.8)
            else:
                received = closed + self.lognormal(DAY, 1.0)
                if source == "followup":
                    received = self.shop_hours(closed + self.lognormal(20 * HOUR, 0.7))
            if received < now:
                complaint = (self.next_id("voice.Complaint"), received, source)

        reason = (
            "complaint"
            if complaint
            else "comeback"
            if comeback
            else "sample"
            if self.in_sample(order_id, self.sample_percent)
            else None
        )
        if reason and self.agents:
            self.followup_task(order_id, closed, reason, mood, overall, complaint)
        elif self.quiet_orders is not None and centre is self.centres[0] and closed > now - 6 * DAY:
            self.quiet_orders.append((order_id, closed, tech, advisor))

        if complaint:
            cid, received, source = complaint
            self.complaint(cid, order_id, received, source, tech, advisor)

    def followup_task(self, order_id, closed, reason, mood, overall, complaint, agent=None, backlog=None):
        """A follow-up task and its calls, cut at the demo's now."""
        rng, now = self.rng, self.now
        agent = agent or self.choice(self.agents)
        by_call = complaint is not None and complaint[2] == "followup"
        call = complaint[1] if by_call else self.shop_hours(closed + self.lognormal(20 * HOUR, 0.7))
        if backlog is None:
            backlog = closed > now - BACKLOG_DAYS * DAY and rng.random() < BACKLOG_SHARE
        if backlog and not by_call:
            call = now  # nobody has called yet
        task_id = self.next_id("voice.FollowUpTask")
        state, attempts, closed_at, next_try, last = "open", 0, None, None, closed
        while call < now:
            attempts += 1
            last = call
            reached = by_call and attempts == 1 or rng.random() < REACH_RATE
            satisfied = issues = raised = None
            if reached:
                satisfied = overall or self.pick((1, 2, 3, 4, 5), self.mood_cum[mood])
                issues = ""
                if by_call and attempts == 1:
                    issues, raised = COMPLAINTS[complaint[0] % len(COMPLAINTS)][0], complaint[0]
                elif satisfied <= 3:
                    issues = self.choice(FOLLOWUP_ISSUES)
            fid = self.next_id("voice.FollowUp")
            self.batch["voice.FollowUp"].append(
                (
                    fid,
                    f"FU{fid:09d}",
                    order_id,
                    agent.id,
                    call,
                    reached,
                    satisfied,
                    self.choice(catalog.FOLLOWUP_NOTES) if reached else MISSED_CALL,
                    call,
                    call,
                    task_id,
                    issues or "",
                    raised,
                )
            )
            if reached:
                state, closed_at = "done", call
                break
            if attempts >= MAX_ATTEMPTS:
                state, closed_at = "unreachable", call
                break
            call = self.shop_hours(call + RETRY + self.lognormal(30 * MINUTE, 0.8))
            next_try = call
        if state != "open":
            next_try = None
        self.batch["voice.FollowUpTask"].append(
            (
                task_id,
                order_id,
                reason,
                state,
                closed + FOLLOWUP_DUE,
                next_try,
                attempts,
                agent.id,
                closed_at,
                closed,
                last,
            )
        )

    def complaint(self, cid, order_id, received, source, tech, advisor, stages=None, handler=None):
        """A complaint and its timeline. `stages` (step → moment, in order) pins the steps;
        else they are drawn. Steps at or after the demo's now are not reached."""
        rng, now, user = self.rng, self.now, self.user_of.get
        roll = rng.random()
        about = tech if roll < 0.45 else advisor if roll < 0.65 else None
        handler = handler or self.choice(self.complaint_handlers)
        if stages is None:
            valid = rng.random() < 0.8
            assigned = received + self.lognormal(40 * MINUTE, 0.8)
            investigating = assigned + self.lognormal(3 * HOUR, 0.8)
            resolved = max(received + self.lognormal(18 * HOUR, 0.6), investigating + 2 * HOUR)
            decided = investigating + (resolved - investigating) * 3 // 5
            closed = resolved + self.lognormal(20 * HOUR, 0.6) if rng.random() < 0.95 else None
            stages = {
                "assigned": assigned,
                "investigating": investigating,
                "determined" if valid else "not_valid": decided,
                "resolved": resolved,
                "closed": closed,
            }
        summary, description = COMPLAINTS[cid % len(COMPLAINTS)]
        due = received + COMPLAINT_SLA
        registered = user(self.choice(self.agents).id) if self.agents else None
        handler_user = user(handler.id)
        events = self.batch["voice.ComplaintEvent"]

        def event(at, kind, before="", after="", by=None, note=""):
            events.append((self.next_id("voice.ComplaintEvent"), cid, at, by, kind, before, after, note))

        event(received, "state", "", "received", registered, description)
        state, last, valid = "received", received, True
        resolved_at, decision, resolution = None, "", ""
        for step, at in stages.items():
            if at is None or at >= now:
                break
            if step == "assigned":
                event(at, "assigned", by=self.cs_manager_user, note=handler.name)
            elif step == "investigating":
                event(at, "note", by=handler_user, note=self.choice(COMPLAINT_NOTES))
            elif step in ("determined", "not_valid"):
                valid = step == "determined"
                decision = self.choice(DECISIONS_VALID if valid else DECISIONS_NOT_VALID)
            elif step == "resolved":
                resolution, resolved_at = self.choice(RESOLUTIONS), at
            event(
                at,
                "state",
                state,
                step,
                handler_user,
                decision if step in ("determined", "not_valid") else "",
            )
            state, last = step, at
        # Past its deadline unresolved: escalated at the deadline, and again a day later.
        escalated, level = None, 0
        for moment in (due, due + DAY):
            if moment < (resolved_at or now):
                escalated, level = escalated or moment, level + 1
                event(moment, "escalated", note=f"超过处理时限，升级至第{level}级")
                last = max(last, moment)
        satisfied = (rng.random() < 0.7) if state == "closed" else None
        self.batch["voice.Complaint"].append(
            (
                cid,
                f"TS{cid:08d}",
                received,
                order_id,
                about.id if about else None,
                handler.id if state != "received" else None,  # nobody assigned yet
                self.choice(("low", "medium", "medium", "high")),
                valid,
                resolved_at,
                satisfied,
                received,
                last,
                state,
                source,
                summary,
                description,
                due,
                escalated,
                level,
                decision,
                resolution,
                registered,
            )
        )
        people = self.batch["voice.ComplaintPerson"]
        decided = valid and state in ("determined", "resolved", "closed")
        for person in (tech, about) if about is not None and about is not tech else (tech,):
            people.append(
                (self.next_id("voice.ComplaintPerson"), cid, person.id, decided and person is about)
            )

    def survey(self, order_id, submitted, sent, channel, language, mood, tech, advisor, late, centre):
        """A survey response (and now and then a praise); returns its id, its overall rating
        and when it was opened."""
        rng, now = self.rng, self.now
        overall = self.pick((1, 2, 3, 4, 5), self.mood_cum[mood])

        def near(value, down=0.0):
            return min(5, max(1, value + self.choice((-1, 0, 0, 0, 1)) - (1 if rng.random() < down else 0)))

        nps = (
            self.choice((9, 10, 10, 8))
            if overall == 5
            else self.randint(6, 9)
            if overall == 4
            else self.randint(4, 7)
            if overall == 3
            else self.randint(0, 5)
        )
        if rng.random() >= 0.9:
            nps = None
        if rng.random() < 0.45:
            pool = (
                catalog.GOOD_COMMENTS
                if overall >= 4
                else catalog.MIXED_COMMENTS
                if overall == 3
                else catalog.BAD_COMMENTS
            )
            comment = self.choice(pool)
        else:
            comment = ""
        attitude, quality = near(overall), near(overall)
        speed = near(overall, 0.6 if late or tech.slowness > 1.5 else 0.0)
        answers = f'{{"overall": {overall}, "attitude": {attitude}, "quality": {quality}, "speed": {speed}'
        if nps is not None:
            answers += f', "nps": {nps}'
        if comment:
            answers += f', "comment": {COMMENT_JSON[comment]}'
        answers += "}"

        flags, review, reviewer, reviewed_at, reason = "[]", "", None, None, ""
        ip = agent = None
        device = ""
        opened = max(sent, submitted - self.lognormal(80, 0.6))
        if channel != "phone":  # answered on the survey page: the device is known
            agent, device = self.choice(USER_AGENTS)
            n = rng.getrandbits(24)
            ip = f"{self.choice(MOBILE_NETS)}.{n >> 16}.{n >> 8 & 255}.{n & 255}"
            pinned = (
                self.pinned_flags < PINNED_FLAGS and centre is self.centres[0] and submitted >= now - 3 * DAY
            )
            if pinned or rng.random() < FLAG_CHANCE:
                self.pinned_flags += pinned
                kind = rng.random() if not pinned else self.pinned_flags / PINNED_FLAGS - 0.01
                signals = []
                if kind < 0.67:  # answered in seconds
                    opened = max(sent, submitted - 2 - self.randint(0, 3))
                    signals.append("fast")
                if kind >= 0.33:  # from the workshop's PC the technician uses
                    agent, device = STAFF_AGENT, STAFF_DEVICE
                    ip = f"116.228.{centre.id % 250 + 1}.{centre.id % 200 + 20}"
                    signals.append("staff_device")
                    staff = self.user_of.get(tech.id)
                    if staff is not None:
                        seen = self.staff_devices.get((staff, ip))
                        self.staff_devices[(staff, ip)] = (
                            (min(seen[0], submitted), max(seen[1], submitted))
                            if seen
                            else (submitted, submitted)
                        )
                flags = json.dumps(signals)
                if submitted >= now - REVIEW_WAIT:
                    review = "pending"
                else:
                    review = "confirmed" if rng.random() < 0.4 else "excluded"
                    reviewer = self.user_of.get(centre.manager.id)
                    reviewed_at = submitted + self.lognormal(DAY, 0.8)
                    reason = (
                        "与客户电话核实，确为本人评价"
                        if review == "confirmed"
                        else "评价设备为门店电脑，判定为代评"
                    )
        sid = self.next_id("voice.SurveyResponse")
        self.batch["voice.SurveyResponse"].append(
            (
                sid,
                f"SV{sid:09d}",
                order_id,
                submitted,
                overall,
                attitude,
                quality,
                speed,
                nps,
                comment,
                channel,
                submitted,
                reviewed_at or submitted,
                answers,
                language,
                ip,
                agent or "",
                device,
                opened,
                flags,
                review,
                reviewer,
                reviewed_at,
                reason,
                self.template_id,  # answered on the survey page, the version it was sent with
            )
        )
        if overall == 5 and rng.random() < 0.04:
            praised = tech if rng.random() < 0.7 else advisor
            at = submitted + self.lognormal(DAY, 1.0)
            if at < now:
                self.batch["voice.Praise"].append(
                    (
                        self.next_id("voice.Praise"),
                        praised.id,
                        order_id,
                        "praise" if rng.random() < 0.85 else "referral",
                        at,
                        self.choice(catalog.PRAISE_NOTES),
                        at,
                        at,
                        self.choice(PRAISE_SOURCES),
                        self.user_of.get(advisor.id),
                    )
                )
        return sid, overall, opened

    # --- pinned -------------------------------------------------------------------------

    def pinned_invitation(self, order_id, customer, state, *, closed=None, sent=None, ended=None):
        """An invitation in a state the draw does not leave, as the services would write it:
        scheduled or undeliverable when the order closed (voice.services.invitations
        .invitation_schedule: sent the policy's delay after closing, expiring its days
        after that), or sent by the advisor as a WeCom card and cancelled with the order
        (`sent`, `ended`: invitation_send_now, then invitations_cancel)."""
        send_after = sent if sent is not None else closed + SURVEY_DELAY
        expires = (sent if sent is not None else send_after) + EXPIRY
        self.batch["voice.SurveyInvitation"].append(
            (
                self.next_id("voice.SurveyInvitation"),
                order_id,
                sent,
                "wecom" if sent is not None else "",
                None,
                sent if sent is not None else closed,
                ended or sent or closed,
                self.template_id,
                self.token(),
                state,
                send_after,
                expires,
                None,
                None,
                customer_language(customer),
                "",
            )
        )

    def contactless_customers(self, count: int) -> list[int]:
        """`count` customers with no work order yet, made customers without a phone and an
        e-mail address (a walk-in who left neither): their orders' surveys cannot be sent.
        Read from the rows written so far (the batch is flushed first)."""
        from django.db.models import Exists, OuterRef

        from servicescore.customers.models import Customer
        from servicescore.workorders.models import WorkOrder

        self.flush()
        ids = list(
            Customer.objects.filter(pk__lte=self.n_customers)
            .exclude(Exists(WorkOrder.objects.filter(customer_id=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)[:count]
        )
        Customer.objects.filter(pk__in=ids).update(phone="", email="")
        return ids

    def pinned_invitations(self):
        """Invitations in the states the draw never leaves, on orders of the demo manager's
        centre, so that the work-order pages and the overview show each: scheduled (orders
        closed in the last two hours: the survey goes out two hours after closing),
        undeliverable (customers without a phone or an e-mail address) and cancelled (the
        advisor sent the survey at completion, then the order was reopened and cancelled).
        Expired, reminded, sent and answered ones come from the draw."""
        from . import bulk

        now, centre = self.now, self.centres[0]
        kinds = {kind[0]: kind for kind in self.types}

        def stages(closed, work=2 * HOUR, upto=6):
            completed = closed - 20 * MINUTE
            started = completed - work
            moments = [
                started - 45 * MINUTE,
                started - 35 * MINUTE,
                started - 20 * MINUTE,
                started,
                completed,
                closed,
            ]
            return moments[:upto] + [None] * (6 - upto), moments[0] - 10 * MINUTE

        # Evening jobs closed late: a charger installed at home, a roadside repair.
        self.forced_invitation = "scheduled"
        for minutes_ago, kind, priority in (
            (25, "installation", "normal"),
            (70, "repair", "urgent"),
            (105, "repair", "high"),
        ):
            moments, created = stages(now - minutes_ago * MINUTE, work=HOUR)
            asset = self.randint(1, self.n_assets)
            self.emit(
                centre,
                kinds[kind],
                priority,
                "phone",
                created,
                self.owner(asset),
                asset,
                stages=moments,
                events=True,
            )
        # Closed in shop hours of the last days; the customer left no way to reach them.
        self.forced_invitation = "undeliverable"
        for cid, hours_ago in zip(self.contactless_customers(3), (6, 33, 58), strict=False):
            moments, created = stages(now - hours_ago * HOUR)
            self.emit(
                centre,
                kinds["maintenance"],
                "normal",
                "walk_in",
                created,
                cid,
                cid,
                stages=moments,
                events=True,
            )
        self.forced_invitation = None
        # Completed, the survey card sent, reopened when the customer came back at pick-up,
        # then cancelled: the invitation is withdrawn with the order.
        columns = bulk.COLUMNS["workorders.WorkOrder"]
        reasons = (  # (why reopened, why cancelled)
            ("客户取车时反映异响仍在，工单重开", "客户决定到其他门店维修"),
            ("客户对维修方案有异议，要求重新检测", "客户不认可维修方案，撤销本次维修"),
        )
        for hours_ago, (reason, cancel_reason) in zip((28, 75), reasons, strict=True):
            cancelled = now - hours_ago * HOUR
            completed = cancelled - 5 * HOUR
            moments, created = stages(completed + 20 * MINUTE, upto=4)
            asset = self.randint(1, self.n_assets)
            customer = self.owner(asset)
            order_id = self.emit(
                centre,
                kinds["repair"],
                "normal",
                "walk_in",
                created,
                customer,
                asset,
                stages=moments,
                events=True,
            )
            orders = self.batch["workorders.WorkOrder"]
            row = dict(zip(columns, orders[-1], strict=True))
            assert row["id"] == order_id
            row.update(
                state="cancelled",
                cancelled_at=cancelled,
                cancel_reason=cancel_reason,
                modified=cancelled,
            )
            orders[-1] = tuple(row[name] for name in columns)
            tech, advisor = self.user_of.get(row["technician_id"]), self.user_of.get(row["advisor_id"])
            reopened = completed + HOUR
            for action, before, after, who, at, note in (
                ("complete", "in_progress", "completed", tech, completed, ""),
                ("reopen", "completed", "in_progress", advisor, reopened, reason),
                ("cancel", "in_progress", "cancelled", advisor, cancelled, row["cancel_reason"]),
            ):
                self.batch["workorders.WorkOrderEvent"].append(
                    (
                        self.next_id("workorders.WorkOrderEvent"),
                        order_id,
                        action,
                        before,
                        after,
                        who,
                        at,
                        None,
                        None,
                        note,
                    )
                )
            self.pinned_invitation(
                order_id, customer, "cancelled", sent=completed + 12 * MINUTE, ended=cancelled
            )

    def pinned_voice(self):
        """Complaints in every state of the workflow (one past its deadline) on recent
        orders of the demo manager's centre, handled by the demo agent, each with an open
        follow-up task of theirs: the complaint desk and the agent's queue have work on the
        first morning. First the invitations in the states the draw never leaves."""
        self.pinned_invitations()
        now, quiet = self.now, sorted(self.quiet_orders, key=lambda o: o[1])
        self.quiet_orders = None
        if not self.agents or not self.complaint_handlers:
            return
        h = HOUR
        plans = [  # hours before now: received, then the steps reached
            (62, {"assigned": 61, "investigating": 55}),  # past its deadline
            (50, {"assigned": 49, "investigating": 45, "determined": 30, "resolved": 8}),
            (40, {"assigned": 39, "investigating": 36, "not_valid": 20}),
            (30, {"assigned": 29, "investigating": 26, "determined": 10}),
            (20, {"assigned": 19, "investigating": 16}),
            (9, {"assigned": 8}),
            (3, {}),
        ]
        agent = self.demo_agent or self.agents[0]
        for received_h, steps in plans:
            received = now - received_h * h
            pick = next((o for o in quiet if o[1] < received - h), None)
            if pick is None:
                continue
            quiet.remove(pick)
            order_id, closed, tech, advisor = pick
            cid = self.next_id("voice.Complaint")
            source = self.choice(("phone", "online", "walk_in"))
            self.followup_task(order_id, closed, "complaint", "bad", None, None, agent=agent, backlog=True)
            self.complaint(
                cid,
                order_id,
                received,
                source,
                tech,
                advisor,
                stages={step: now - hours * h for step, hours in steps.items()},
                handler=agent,
            )

    def write_staff_devices(self):
        """The staff devices the flagged answers came from, as core.UserDevice rows."""
        import datetime

        from servicescore.core.models import UserDevice

        UserDevice.objects.bulk_create(
            UserDevice(
                user_id=user,
                ip=ip,
                device=STAFF_DEVICE,
                user_agent=STAFF_AGENT,
                first_seen=datetime.datetime.fromtimestamp(first - 30 * DAY, datetime.UTC),
                last_seen=datetime.datetime.fromtimestamp(last, datetime.UTC),
            )
            for (user, ip), (first, last) in sorted(self.staff_devices.items())
        )
