"""
What AWS authorizes for one EC2 request of the kinds Scaleface makes, as (action, resource ARN, condition
context) triples: moto itself checks every EC2 call against "*" and no condition (see iam_moto.py).
"""
import re


def _first(qs, name):
    values = qs.get(name)
    return values[0] if values else None


def _numbered(qs, prefix):
    keys = [k for k in qs if re.fullmatch(re.escape(prefix) + r"\.\d+", k)]
    return [qs[k][0] for k in sorted(keys, key=lambda k: int(k.rsplit(".", 1)[1]))]


def _request_tags(qs, resource_type):
    """aws:RequestTag/<key> of the TagSpecification for resource_type."""
    tags = {}
    for spec in range(1, 20):
        if _first(qs, f"TagSpecification.{spec}.ResourceType") is None:
            break
        if _first(qs, f"TagSpecification.{spec}.ResourceType") != resource_type:
            continue
        for n in range(1, 50):
            key = _first(qs, f"TagSpecification.{spec}.Tag.{n}.Key")
            if key is None:
                break
            tags[f"aws:RequestTag/{key}"] = _first(qs, f"TagSpecification.{spec}.Tag.{n}.Value") or ""
    return tags


def _template_data(response, qs):
    template_id = _first(qs, "LaunchTemplate.LaunchTemplateId")
    if template_id is None:
        return None, {}
    template = response.ec2_backend.get_launch_template(template_id)
    version = template.get_version(_first(qs, "LaunchTemplate.Version") or "$Default")
    return template_id, version.data


def _profile_role_arns(response, profile):
    """The role ARNs of an instance profile given as {Arn} or {Name}."""
    from moto.iam.models import iam_backends

    iam = iam_backends[response.current_account]["global"]
    name = profile.get("Name") or (profile.get("Arn") or "").rsplit("/", 1)[-1]
    for each in iam.instance_profiles.values():
        if each.name == name:
            return [role.arn for role in each.roles]
    return []


def _run_instances(response, region, account):
    qs = response.querystring
    arn = lambda kind, rid="*": f"arn:aws:ec2:{region}:{account}:{kind}/{rid}"  # noqa: E731
    template_id, data = _template_data(response, qs)
    image = _first(qs, "ImageId") or data.get("ImageId") or "*"
    subnet = _first(qs, "SubnetId") or data.get("SubnetId") or "*"
    groups = _numbered(qs, "SecurityGroupId") or data.get("SecurityGroupIds") or ["*"]
    instance_tags = _request_tags(qs, "instance")
    targets = [("ec2:RunInstances", arn("instance"), instance_tags)]
    targets += [("ec2:RunInstances", f"arn:aws:ec2:{region}::image/{image}", {})]
    targets += [("ec2:RunInstances", arn("subnet", subnet), {}), ("ec2:RunInstances", arn("network-interface"), {})]
    targets += [("ec2:RunInstances", arn("security-group", g), {}) for g in groups]
    targets += [("ec2:RunInstances", arn("volume"), _request_tags(qs, "volume"))]
    if template_id is not None:
        targets += [("ec2:RunInstances", arn("launch-template", template_id), {})]
    tagged = {"instance": bool(instance_tags)}
    for spec in data.get("TagSpecifications", []) or []:
        tagged[spec.get("ResourceType")] = True
    for kind, present in tagged.items():
        if present and kind in ("instance", "volume"):
            targets += [("ec2:CreateTags", arn(kind), {"ec2:CreateAction": "RunInstances", **_request_tags(qs, kind)})]
    profile = data.get("IamInstanceProfile") or ({"Arn": _first(qs, "IamInstanceProfile.Arn")} if _first(qs, "IamInstanceProfile.Arn") else None)
    if profile:
        for role_arn in _profile_role_arns(response, profile):
            targets += [("iam:PassRole", role_arn, {"iam:PassedToService": "ec2.amazonaws.com"})]
    return targets


def _on_instances(response, action, region, account):
    targets = []
    for instance_id in _numbered(response.querystring, "InstanceId"):
        context = {}
        try:
            instance = response.ec2_backend.get_instance(instance_id)
            context = {f"aws:ResourceTag/{t['key']}": t["value"] for t in instance.get_tags()}
        except Exception:  # an unknown id: AWS authorizes it without tags, then answers not found
            pass
        targets.append((action, f"arn:aws:ec2:{region}:{account}:instance/{instance_id}", context))
    return targets


def ec2_targets(response, action):
    region, account = response.region, response.current_account
    if action == "ec2:RunInstances":
        return _run_instances(response, region, account)
    if action in ("ec2:TerminateInstances", "ec2:StartInstances", "ec2:StopInstances"):
        return _on_instances(response, action, region, account)
    if action == "ec2:CreateImage":
        instance = _first(response.querystring, "InstanceId") or "*"
        return [(action, f"arn:aws:ec2:{region}:{account}:instance/{instance}", {}), (action, f"arn:aws:ec2:{region}::image/*", {})]
    return [(action, "*", {})]
