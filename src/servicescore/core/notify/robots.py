"""Group-robot webhooks of WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书): the JSON each
platform documents, its signature where it has one, and how it answers a refusal.

Each robot is a URL with the key in it that anyone holding it can post to; the platforms
answer HTTP 200 with an error code in the JSON when they refuse a message (bad signature,
too many messages a minute), so the answer's code decides, not the HTTP status.
"""

import base64
import hashlib
import hmac
import ipaddress
from urllib.parse import urlencode, urlsplit

from django.utils.translation import gettext as _

# Plain http is accepted only for a receiver on this machine (tests, a local relay).
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _hmac_sha256_base64(key: str, message: str) -> str:
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class WeComRobot:
    """企业微信群机器人: https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明).
    POST {"msgtype": "markdown", "markdown": {"content": ...}}, content at most 4096 bytes of
    UTF-8; the answer is {"errcode": 0, "errmsg": "ok"}. No signature: the key is in the URL."""

    kind = "wecom"
    signs = False
    MAX_CONTENT_BYTES = 4096

    def payload(self, *, subject: str, body: str, link: str) -> dict:
        parts = [f"**{subject}**"]
        if body:
            parts.append(body)
        if link:
            parts.append(f"[{_('Open in ServiceScore')}]({link})")
        content = _truncate_utf8("\n".join(parts), self.MAX_CONTENT_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def sign(self, *, url: str, payload: dict, secret: str, now: float) -> tuple[str, dict]:
        return url, payload

    def refusal(self, answer: dict) -> str | None:
        return _errcode_refusal(answer)


class DingTalkRobot:
    """钉钉自定义机器人: https://open.dingtalk.com/document/robots/custom-robot-access (消息类型)
    and https://open.dingtalk.com/document/robots/customize-robot-security-settings (加签).
    POST {"msgtype": "markdown", "markdown": {"title", "text"}}; signed robots take
    `&timestamp=<ms>&sign=<urlencode(base64(HmacSHA256(key=secret, timestamp + "\\n" + secret)))>`
    on the URL. The answer is {"errcode": 0, "errmsg": "ok"}."""

    kind = "dingtalk"
    signs = True

    def payload(self, *, subject: str, body: str, link: str) -> dict:
        text = f"#### {subject}\n\n{body}" if body else f"#### {subject}"
        if link:
            text += f"\n\n[{_('Open in ServiceScore')}]({link})"
        return {"msgtype": "markdown", "markdown": {"title": subject, "text": text}}

    @staticmethod
    def signature(timestamp_ms: int, secret: str) -> str:
        return _hmac_sha256_base64(secret, f"{timestamp_ms}\n{secret}")

    def sign(self, *, url: str, payload: dict, secret: str, now: float) -> tuple[str, dict]:
        if not secret:
            return url, payload
        timestamp = int(now * 1000)
        query = urlencode({"timestamp": timestamp, "sign": self.signature(timestamp, secret)})
        return f"{url}{'&' if '?' in url else '?'}{query}", payload

    def refusal(self, answer: dict) -> str | None:
        return _errcode_refusal(answer)


class FeishuRobot:
    """飞书自定义机器人: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
    (富文本 post, 签名校验). POST {"msg_type": "post", "content": {"post": {"zh_cn": {"title",
    "content": [[{"tag": "text", ...}]]}}}}; a signed robot takes "timestamp" (seconds) and
    "sign" = base64(HmacSHA256(key=timestamp + "\\n" + secret, message="")) in the body. The
    answer is {"code": 0, "msg": "success"} ({"StatusCode": 0} from older robots)."""

    kind = "feishu"
    signs = True

    def payload(self, *, subject: str, body: str, link: str) -> dict:
        lines = [[{"tag": "text", "text": line}] for line in body.splitlines()]
        if link:
            lines.append([{"tag": "a", "text": _("Open in ServiceScore"), "href": link}])
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": subject, "content": lines}}}}

    @staticmethod
    def signature(timestamp_s: int, secret: str) -> str:
        # Feishu signs nothing with the key made of timestamp and secret, unlike DingTalk.
        return _hmac_sha256_base64(f"{timestamp_s}\n{secret}", "")

    def sign(self, *, url: str, payload: dict, secret: str, now: float) -> tuple[str, dict]:
        if not secret:
            return url, payload
        timestamp = int(now)
        return url, {"timestamp": str(timestamp), "sign": self.signature(timestamp, secret), **payload}

    def refusal(self, answer: dict) -> str | None:
        if "code" in answer:
            code, message = answer["code"], answer.get("msg", "")
        elif "StatusCode" in answer:
            code, message = answer["StatusCode"], answer.get("StatusMessage", "")
        else:
            return "the answer has no code"
        return None if code == 0 else f"code {code}: {message}"


def _errcode_refusal(answer: dict) -> str | None:
    if answer.get("errcode") == 0:
        return None
    return f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"


def _truncate_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", errors="ignore") + "…"


ROBOTS = {robot.kind: robot for robot in (WeComRobot(), DingTalkRobot(), FeishuRobot())}


def webhook_url_problem(url: str, *, allow_loopback_http: bool) -> str | None:
    """Why `url` cannot be a robot's webhook, or None: https only (the URL carries the
    robot's key), plain http only to this machine and only where allowed."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- raises on a malformed port
    except ValueError:
        return _("This is not a valid web address.")
    if not host:
        return _("This is not a valid web address.")
    if parts.username or parts.password:
        return _("A webhook address must not contain a user name or password.")
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and allow_loopback_http and _is_loopback(host):
        return None
    return _(
        "Use an https:// address: the webhook address carries the robot's key. Plain http is "
        "accepted only for a receiver on this server when NOTIFY_ALLOW_HTTP_LOOPBACK is on."
    )


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def masked_url(url: str) -> str:
    """The robot's scheme and host, and the URL's last four characters: enough to tell two
    robots apart in the log, not enough to post to them."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…{url[-4:]}"
