"""
moto's server with IAM enforcement made to decide as AWS does for the calls Scaleface makes, and every decision
written to a JSON-lines file (IAM_DECISIONS_LOG) so that the harness can name role, action and resource, and
replay the requests against a policy with one statement removed (python3 iam_moto.py --evaluate).

Where moto's IAM check differs from AWS, this file changes moto, never the policies; each difference is one
function below, listed in docs/aws.md ("What the IAM harness proves"):
- conditions: moto denies when an Allow statement's condition fails and allows when a condition's key is absent;
  AWS skips such a statement and treats an absent key as not matching (IfExists aside);
- SQS: moto checks CreateQueue, GetQueueUrl and ListQueues against "*"; AWS against the named queue's ARN
  (ListQueues: arn:aws:sqs:<region>:<account>:*). Batch calls are authorized as their single-message action;
- S3: HeadBucket is authorized as s3:ListBucket, as on AWS;
- EC2: moto checks every EC2 call against "*" and no condition; AWS authorizes RunInstances on each resource it
  creates or uses (instance with its request tags, image, subnet, security group, network interface, volume,
  launch template), CreateTags with ec2:CreateAction, iam:PassRole on the instance profile's role, and
  Terminate/Start/StopInstances on each instance with its tags.
Usage: python3 iam_moto.py PORT            (serve)
       python3 iam_moto.py --evaluate      (stdin: policies and requests; stdout: what each policy refuses)
"""
import json
import os
import re
import sys
import threading

from moto.core import authorization
from moto.iam import access_control
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult

_LOG_LOCK = threading.Lock()
_LOG_PATH = os.environ.get("IAM_DECISIONS_LOG")

BATCH_ACTIONS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "s3:HeadBucket": "s3:ListBucket",
}
QUEUE_NAME_ACTIONS = {"CreateQueue", "GetQueueUrl"}


def wildcard(pattern, value, ignore_case=False):
    regex = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
    return re.match(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def condition_holds(operator, key, expected, context):
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    actual = context.get(key)
    if actual is None:
        return if_exists
    expected = expected if isinstance(expected, list) else [expected]
    if base in ("StringEquals", "ArnEquals"):
        return any(actual == e for e in expected)
    if base in ("StringLike", "ArnLike"):
        return any(wildcard(e, actual) for e in expected)
    if base == "Bool":
        return any(str(actual).lower() == str(e).lower() for e in expected)
    raise ValueError(f"condition operator {operator} is not emulated")


def statement_applies(self, action, resource, principal=None, context=None):
    """AWS's reading of one identity-policy statement; trust policies (with a Principal) keep moto's."""
    st = self._statement
    if "Principal" in st:
        return _moto_statement_applies(self, action, resource, principal, context)
    actions = st.get("Action", st.get("NotAction"))
    listed = any(wildcard(a, action, True) for a in (actions if isinstance(actions, list) else [actions]))
    if listed == ("NotAction" in st):
        return PermissionResult.NEUTRAL
    resources = st.get("Resource", st.get("NotResource", "*"))
    matched = any(wildcard(r, resource) for r in (resources if isinstance(resources, list) else [resources]))
    if matched == ("NotResource" in st):
        return PermissionResult.NEUTRAL
    for operator, pairs in (st.get("Condition") or {}).items():
        for key, expected in pairs.items():
            if not condition_holds(operator, key, expected, context or {}):
                return PermissionResult.NEUTRAL
    return PermissionResult.PERMITTED if st.get("Effect") == "Allow" else PermissionResult.DENIED


_moto_statement_applies = IAMPolicyStatement.is_action_permitted
IAMPolicyStatement.is_action_permitted = statement_applies


def decide(policies, action, resource, context):
    allowed = False
    for policy in policies:
        result = IAMPolicy(policy).is_action_permitted(action, resource, None, context)
        if result == PermissionResult.DENIED:
            return False
        allowed = allowed or result == PermissionResult.PERMITTED
    return allowed


def log_decision(record):
    if not _LOG_PATH:
        return
    with _LOG_LOCK, open(_LOG_PATH, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


from ec2_targets import ec2_targets  # noqa: E402  (beside this file)


def targets_of(response, action, resource):
    """(action, resource, context) triples AWS authorizes for this request."""
    action = BATCH_ACTIONS.get(action, action)
    service = action.split(":", 1)[0]
    if service == "ec2":
        return ec2_targets(response, action)
    if service == "sqs":
        name = action.split(":", 1)[1]
        arn = f"arn:aws:sqs:{response.region}:{response.current_account}"
        if name == "ListQueues":
            return [(action, f"{arn}:*", {})]
        if name in QUEUE_NAME_ACTIONS and response._get_param("QueueName"):
            return [(action, f"{arn}:{response._get_param('QueueName')}", {})]
    return [(action, resource, {})]


def check_signature(request, response):
    """moto's check, retried with the query string as signed: moto decodes %2F in a query value (an S3 prefix
    such as `jobs/`) before recomputing the signature, so a correctly signed request would be refused."""
    from urllib.parse import quote, urlparse

    try:
        request.check_signature()
        return
    except Exception:
        parsed = urlparse(response.uri)
        if not parsed.query:
            raise
    pairs = [p.split("=", 1) + [""] for p in parsed.query.split("&")]
    query = "&".join(f"{quote(k, safe='-_.~%')}={quote(v[0], safe='-_.~%')}" for k, *v in pairs)
    request._path = parsed.path + "?" + query
    request.check_signature()


def authenticate_and_authorize(self, iam_request_cls, resource="*"):
    mixin = authorization.ActionAuthenticatorMixin
    if mixin.request_count < authorization.settings.INITIAL_NO_AUTH_ACTION_COUNT:
        mixin.request_count += 1
        return
    from urllib.parse import urlparse

    parsed = urlparse(self.uri)
    path = parsed.path + ("?" + parsed.query if parsed.query else "")
    request = iam_request_cls(
        account_id=self.current_account, method=self.method, path=path, data=self.data,
        body=self.raw_body, headers=self.headers, action=self._get_action(),
    )
    check_signature(request, self)
    policies = request._access_key.collect_policies()
    for action, target, context in targets_of(self, request._action, resource):
        allowed = decide(policies, action, target, context)
        log_decision({"principal": request._access_key.arn, "action": action, "resource": target, "context": context, "allowed": allowed})
        if not allowed:
            request._action = action
            request._raise_access_denied()


authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize


def evaluate_stdin():
    """stdin: {"policies": [policy, ...], "requests": [...]}; stdout: per policy, the requests it refuses."""
    job = json.load(sys.stdin)
    refused = [
        [r for r in job["requests"] if not decide([json.dumps(policy)], r["action"], r["resource"], r.get("context") or {})]
        for policy in job["policies"]
    ]
    json.dump(refused, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] == ["--evaluate"]:
        evaluate_stdin()
    else:
        from moto.server import main

        main(["-H", "127.0.0.1", "-p", sys.argv[1]])
