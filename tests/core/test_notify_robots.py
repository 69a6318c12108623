"""The group robots' JSON and signatures, checked against the platforms' documented
algorithms with known inputs. The expected signatures were computed independently with
openssl (`openssl dgst -sha256 -hmac KEY -binary | base64`), not with our code:

DingTalk (open.dingtalk.com/document/robots/customize-robot-security-settings), the doc's
secret "this is secret" at timestamp 1700000000000 ms:
    printf '1700000000000\\nthis is secret' | openssl dgst -sha256 -hmac 'this is secret' -binary | base64
Feishu (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot), secret "demo" at
1700000000 s, the key being "timestamp\\nsecret" and the message empty:
    printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\\ndemo')" -binary | base64
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from servicescore.core.notify.robots import ROBOTS, masked_url, webhook_url_problem

DINGTALK_SIGN = "sSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0="
FEISHU_SIGN = "8oT2n3SMKFfEnDoiwer8BUM/SjKLwe9SqoEIHlhDTKo="


def test_wecom_robot_posts_markdown_with_subject_body_and_link():
    payload = ROBOTS["wecom"].payload(subject="待评审", body="3 份考核表", link="https://ss.example/scores/")
    assert payload["msgtype"] == "markdown"
    content = payload["markdown"]["content"]
    assert content.startswith("**待评审**\n3 份考核表\n[")
    assert content.endswith("](https://ss.example/scores/)")


def test_wecom_markdown_is_cut_to_the_platforms_4096_bytes():
    payload = ROBOTS["wecom"].payload(subject="长", body="字" * 3000, link="")
    assert len(payload["markdown"]["content"].encode("utf-8")) <= 4096


def test_dingtalk_robot_posts_markdown_with_a_title():
    payload = ROBOTS["dingtalk"].payload(subject="告警", body="SC1 超时工单 4 张", link="")
    assert payload == {
        "msgtype": "markdown",
        "markdown": {"title": "告警", "text": "#### 告警\n\nSC1 超时工单 4 张"},
    }


def test_dingtalk_signature_matches_the_documented_algorithm():
    assert ROBOTS["dingtalk"].signature(1700000000000, "this is secret") == DINGTALK_SIGN


def test_dingtalk_signature_goes_url_encoded_on_the_query_string():
    url, _payload = ROBOTS["dingtalk"].sign(
        url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        payload={},
        secret="this is secret",
        now=1700000000.0,
    )
    assert "sign=sSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0%3D" in url
    query = parse_qs(urlsplit(url).query)
    assert query == {"access_token": ["abc"], "timestamp": ["1700000000000"], "sign": [DINGTALK_SIGN]}


def test_an_unsigned_dingtalk_robot_keeps_its_url():
    url, _payload = ROBOTS["dingtalk"].sign(url="https://x.example/send?t=1", payload={}, secret="", now=1.0)
    assert url == "https://x.example/send?t=1"


def test_feishu_robot_posts_rich_text_with_a_link_line():
    payload = ROBOTS["feishu"].payload(
        subject="提醒", body="第一行\n第二行", link="https://ss.example/inbox/"
    )
    post = payload["content"]["post"]["zh_cn"]
    assert payload["msg_type"] == "post"
    assert post["title"] == "提醒"
    assert post["content"][:2] == [[{"tag": "text", "text": "第一行"}], [{"tag": "text", "text": "第二行"}]]
    assert post["content"][2][0]["tag"] == "a"
    assert post["content"][2][0]["href"] == "https://ss.example/inbox/"


def test_feishu_signature_matches_the_documented_algorithm():
    assert ROBOTS["feishu"].signature(1700000000, "demo") == FEISHU_SIGN


def test_feishu_signature_goes_in_the_body_with_the_timestamp_in_seconds():
    url, payload = ROBOTS["feishu"].sign(
        url="https://open.feishu.cn/open-apis/bot/v2/hook/x",
        payload={"msg_type": "post"},
        secret="demo",
        now=1700000000.9,
    )
    assert url == "https://open.feishu.cn/open-apis/bot/v2/hook/x"
    assert payload == {"timestamp": "1700000000", "sign": FEISHU_SIGN, "msg_type": "post"}


@pytest.mark.parametrize(
    "kind, answer, refused",
    [
        ("wecom", {"errcode": 0, "errmsg": "ok"}, False),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, True),
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, True),
        ("feishu", {"code": 0, "msg": "success", "data": {}}, False),
        ("feishu", {"StatusCode": 0, "StatusMessage": "success"}, False),
        ("feishu", {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, True),
        ("feishu", {}, True),
    ],
)
def test_a_platforms_error_code_is_a_refusal(kind, answer, refused):
    assert bool(ROBOTS[kind].refusal(answer)) is refused


def test_a_refusal_names_the_platforms_code_and_message():
    assert (
        ROBOTS["dingtalk"].refusal({"errcode": 130101, "errmsg": "send too fast"})
        == "errcode 130101: send too fast"
    )


@pytest.mark.parametrize(
    "url, allow_loopback_http, refused",
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", False, False),
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", True, True),
        ("http://127.0.0.1:8080/hook", True, False),
        ("http://localhost/hook", True, False),
        ("http://127.0.0.1:8080/hook", False, True),
        ("ftp://example.com/hook", True, True),
        ("https://user:pw@example.com/hook", False, True),
        ("not a url", False, True),
    ],
)
def test_webhook_urls_must_be_https_or_loopback_where_allowed(url, allow_loopback_http, refused):
    assert bool(webhook_url_problem(url, allow_loopback_http=allow_loopback_http)) is refused


def test_a_refused_http_url_says_to_use_https():
    assert "https://" in webhook_url_problem("http://example.com/hook", allow_loopback_http=False)


def test_a_masked_url_keeps_the_host_and_hides_the_key():
    masked = masked_url(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=73febdcb-1b38-4d1b-a994-790f21fc8d30"
    )
    assert masked == "https://qyapi.weixin.qq.com/…8d30"
