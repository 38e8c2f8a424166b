"""The AWS template, read the way an account's reviewer reads it: it lints clean, the buckets are
encrypted, private, TLS-only and versioned, the raw zone is tiered, and no IAM statement grants
more than the actions and resources it names."""

import re
from pathlib import Path

import pytest
import yaml
from cfnlint.api import lint_file
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "cloudformation" / "spotify-assets.yaml"

# Actions that AWS authorizes only on Resource "*" (no resource-level permissions exist for them).
RESOURCE_STAR_ONLY_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "ecs:RegisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "ec2:DescribeNetworkInterfaces",
}


@pytest.fixture(scope="module")
def template() -> dict:
    return cfn_yaml.load(str(TEMPLATE))


def resources_of_type(template: dict, type_: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == type_}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def refers_to(value, logical_id: str) -> bool:
    return value == {"Ref": logical_id} or value == {"Fn::GetAtt": [logical_id, "Arn"]}


def policy_documents(template: dict) -> list[tuple[str, dict]]:
    """Every IAM policy document of the template, named by where it sits."""
    docs = []
    for name, res in template["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                docs.append((f"{name}/{policy['PolicyName']}", policy["PolicyDocument"]))
        elif res["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::S3::BucketPolicy"):
            docs.append((name, props["PolicyDocument"]))
    return docs


def test_template_passes_cfn_lint_with_no_error_or_warning():
    matches = lint_file(TEMPLATE)
    findings = [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches if m.rule.id[0] in "EW"]
    assert not findings, "cfn-lint findings:\n" + "\n".join(findings)


def test_every_bucket_is_encrypted_private_and_tls_only(template):
    buckets = resources_of_type(template, "AWS::S3::Bucket")
    policies = resources_of_type(template, "AWS::S3::BucketPolicy").values()
    assert {"LakeBucket", "OpsBucket"} <= set(buckets)
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        algorithms = {r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules}
        assert algorithms and algorithms <= {"aws:kms", "aws:kms:dsse", "AES256"}, name

        block = props["PublicAccessBlockConfiguration"]
        flags = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        assert all(block.get(flag) is True for flag in flags), f"{name}: {dict(block)}"

        assert props["VersioningConfiguration"]["Status"] == "Enabled", name

        own_policies = [p for p in policies if refers_to(p["Properties"]["Bucket"], name)]
        tls_denies = [
            s
            for p in own_policies
            for s in as_list(p["Properties"]["PolicyDocument"]["Statement"])
            if s["Effect"] == "Deny"
            and s["Principal"] == "*"
            and "s3:*" in as_list(s["Action"])
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
        ]
        assert tls_denies, f"{name} has no bucket policy denying aws:SecureTransport = false"
        covered = [r for s in tls_denies for r in as_list(s["Resource"])]
        assert any(refers_to(r, name) for r in covered), f"{name}: the bucket itself is not covered"
        assert {"Fn::Sub": f"${{{name}.Arn}}/*"} in covered, f"{name}: its objects are not covered"


def test_lake_bucket_tiers_the_raw_zone_and_expires_old_versions(template):
    lake = template["Resources"]["LakeBucket"]
    assert lake["DeletionPolicy"] == "Retain", "deleting the stack must not delete the lake"
    rules = lake["Properties"]["LifecycleConfiguration"]["Rules"]
    raw_rules = [
        r
        for r in rules
        if r["Status"] == "Enabled"
        and r.get("Prefix", r.get("Filter", {}).get("Prefix")) == {"Fn::Sub": "${LakePrefix}/raw_playlist/"}
    ]
    assert raw_rules, "no enabled lifecycle rule on <lake prefix>/raw_playlist/"
    classes = [t["StorageClass"] for r in raw_rules for t in r.get("Transitions", [])]
    assert "STANDARD_IA" in classes and "GLACIER_IR" in classes, classes
    assert any("NoncurrentVersionExpiration" in r and r["Status"] == "Enabled" for r in rules)


def test_no_iam_statement_grants_wildcards(template):
    """Allow statements name their actions (no `*`, no `service:*`, no NotAction) and their
    resources (`*` only for the few actions AWS cannot scope)."""
    offending = []
    for where, doc in policy_documents(template):
        for statement in as_list(doc["Statement"]):
            if statement["Effect"] != "Allow":
                continue
            actions = as_list(statement.get("Action", []))
            resources = as_list(statement.get("Resource", []))
            problems = []
            if "NotAction" in statement or "NotResource" in statement:
                problems.append("NotAction/NotResource")
            problems += [f"wildcard action {a}" for a in actions if a == "*" or str(a).endswith(":*")]
            if "*" in resources:
                problems += [f"{a} on *" for a in actions if a not in RESOURCE_STAR_ONLY_ACTIONS]
            if problems:
                offending.append(f"{where} {statement.get('Sid', '')}: {', '.join(problems)}")
    assert not offending, "over-broad IAM statements:\n" + "\n".join(offending)


def test_service_roles_trust_one_service_of_this_account(template):
    for name, role in resources_of_type(template, "AWS::IAM::Role").items():
        for statement in as_list(role["Properties"]["AssumeRolePolicyDocument"]["Statement"]):
            assert set(statement["Principal"]) == {"Service"}, name
            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}, name


def test_crawler_role_reads_the_lake_prefix_and_writes_only_the_lake_database(template):
    statements = template["Resources"]["GlueCrawlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    s3_actions = {a for s in statements for a in as_list(s["Action"]) if a.startswith("s3:")}
    assert s3_actions == {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}
    get_object = next(s for s in statements if "s3:GetObject" in as_list(s["Action"]))
    assert get_object["Resource"] == {"Fn::Sub": "${LakeBucket.Arn}/${LakePrefix}/*"}
    list_bucket = next(s for s in statements if "s3:ListBucket" in as_list(s["Action"]))
    assert list_bucket["Condition"]["StringLike"]["s3:prefix"]

    glue = [s for s in statements if any(a.startswith("glue:") for a in as_list(s["Action"]))]
    assert not [a for s in glue for a in as_list(s["Action"]) if "Delete" in a]
    glue_resources = [r["Fn::Sub"] for s in glue for r in as_list(s["Resource"])]
    assert all(
        r.endswith((":catalog", "database/${GlueDatabaseName}", "table/${GlueDatabaseName}/*")) for r in glue_resources
    )


def test_runs_write_the_star_views_in_the_lake_database_only(template):
    """`lake_catalog` creates and updates the Athena views `<dimension>_latest` as Glue tables."""
    (catalog,) = [
        s for s in statements_of(template, "DagsterRunPolicy") if s["Sid"] == "LakeCatalogTablesAndPartitions"
    ]
    assert {"glue:CreateTable", "glue:UpdateTable"} <= set(catalog["Action"])
    assert not [a for a in catalog["Action"] if "Delete" in a]
    assert {r["Fn::Sub"].rsplit(":", 1)[-1] for r in catalog["Resource"]} == {
        "catalog", "database/${GlueDatabaseName}", "table/${GlueDatabaseName}/*"
    }  # fmt: skip


def statements_of(template: dict, logical_id: str) -> list[dict]:
    props = template["Resources"][logical_id]["Properties"]
    docs = [props["PolicyDocument"]] if "PolicyDocument" in props else [p["PolicyDocument"] for p in props["Policies"]]
    return [s for doc in docs for s in as_list(doc["Statement"])]


def actions_of(template: dict, logical_id: str) -> set[str]:
    return {a for s in statements_of(template, logical_id) for a in as_list(s["Action"])}


def test_only_ecs_reads_the_secrets_which_have_no_value_in_the_template(template):
    """ECS injects the Spotify and database secrets through the task execution role; the runs'
    own role (and every other) cannot read them."""
    secret = template["Resources"]["SpotifySecret"]["Properties"]
    assert "SecretString" not in secret and "GenerateSecretString" not in secret
    readers = {
        where.split("/")[0]
        for where, doc in policy_documents(template)
        for s in as_list(doc["Statement"])
        if any(str(a).startswith("secretsmanager:") for a in as_list(s["Action"]))
    }
    assert readers == {"TaskExecutionRole"}
    (grant,) = [s for s in statements_of(template, "TaskExecutionRole") if s["Sid"] == "InjectSecrets"]
    assert as_list(grant["Action"]) == ["secretsmanager:GetSecretValue"]
    resources = [r for r in as_list(grant["Resource"]) if r != {"Ref": "AWS::NoValue"}]
    assert resources[0] == {"Ref": "SpotifySecret"} and "DagsterDatabaseSecretArn" in str(resources[1:])


def test_athena_belongs_to_analysts_not_to_runs(template):
    for role_policy in ("DagsterRunPolicy", "DagsterServicePolicy", "GlueCrawlerRole"):
        assert not [a for a in actions_of(template, role_policy) if a.startswith("athena:")], role_policy
    run_s3 = {str(r) for s in statements_of(template, "DagsterRunPolicy") for r in as_list(s["Resource"])}
    assert not [r for r in run_s3 if "athena-results" in r], "runs need no Athena results"
    athena = [s for s in statements_of(template, "AnalystPolicy") if s["Sid"] == "AthenaQueries"]
    assert athena and "athena:StopQueryExecution" in athena[0]["Action"]
    assert athena[0]["Resource"]["Fn::Sub"].endswith(":workgroup/${AthenaWorkGroup}")
    writes = {a for a in actions_of(template, "AnalystPolicy") if a.startswith("glue:")}
    assert all(a.startswith(("glue:Get", "glue:BatchGet")) for a in writes), "analysts read the catalog only"
    assert "AnalystPolicyArn" in template["Outputs"]


def test_the_lake_bucket_holds_only_the_lake(template):
    """Listing is granted bucket-wide (HeadBucket has no prefix): nothing may be stored outside the prefix."""
    denies = [s for s in statements_of(template, "LakeBucketPolicy") if s["Effect"] == "Deny" and "NotResource" in s]
    assert any(
        s["Action"] == "s3:PutObject"
        and s["Principal"] == "*"
        and s["NotResource"] == {"Fn::Sub": "${LakeBucket.Arn}/${LakePrefix}/*"}
        for s in denies
    )


def test_the_lake_is_encrypted_with_its_own_scoped_key(template):
    rules = template["Resources"]["LakeBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (rule,) = rules
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["LakeKey", "Arn"]},
    }
    key = template["Resources"]["LakeKey"]
    assert key["DeletionPolicy"] == "Retain" and key["Properties"]["EnableKeyRotation"] is True
    using = {"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:*"}
    for statement in key["Properties"]["KeyPolicy"]["Statement"]:
        principal = statement["Principal"]["AWS"]
        assert principal == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}, statement["Sid"]
        assert "kms:*" not in as_list(statement["Action"]), statement["Sid"]
        if using & set(as_list(statement["Action"])):  # use only through S3, only from this account
            conditions = statement["Condition"]["StringEquals"]
            assert conditions["kms:ViaService"] == {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}
            assert conditions["kms:CallerAccount"] == {"Ref": "AWS::AccountId"}
    for holder in ("DagsterRunPolicy", "GlueCrawlerRole", "AnalystPolicy"):
        kms = [s for s in statements_of(template, holder) if any(a.startswith("kms:") for a in as_list(s["Action"]))]
        assert kms and all(s["Resource"] == {"Fn::GetAtt": ["LakeKey", "Arn"]} for s in kms), holder


def test_the_lake_bucket_refuses_uploads_not_encrypted_with_the_lake_key(template):
    denies = {
        key: value
        for s in statements_of(template, "LakeBucketPolicy")
        if s["Effect"] == "Deny" and s["Action"] == "s3:PutObject" and "Condition" in s
        for key, value in s["Condition"].get("StringNotEqualsIfExists", {}).items()
    }
    assert denies["s3:x-amz-server-side-encryption"] == "aws:kms"
    assert denies["s3:x-amz-server-side-encryption-aws-kms-key-id"] == {"Fn::GetAtt": ["LakeKey", "Arn"]}


def test_athena_workgroup_enforces_a_kms_encrypted_result_location(template):
    config = template["Resources"]["AthenaWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert config["EnforceWorkGroupConfiguration"] is True
    assert config["ResultConfiguration"]["OutputLocation"] == {"Fn::Sub": "s3://${OpsBucket}/athena-results/"}
    assert config["ResultConfiguration"]["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_KMS",
        "KmsKey": {"Fn::GetAtt": ["LakeKey", "Arn"]},
    }
    assert config["BytesScannedCutoffPerQuery"]


def test_access_logs_are_kept_longer_than_the_ops_objects(template):
    rules = template["Resources"]["OpsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = [r for r in rules if r["Status"] == "Enabled" and "ExpirationInDays" in r]
    (logs,) = [r for r in expiring if r.get("Prefix") == "s3-access-logs/"]
    assert logs["ExpirationInDays"] == {"Ref": "AccessLogDays"}
    parameter = template["Parameters"]["AccessLogDays"]
    assert parameter["Default"] >= 365 and parameter["MinValue"] >= 90
    others = [r for r in expiring if r is not logs]
    assert others and all(r.get("Prefix") in ("athena-results/", "compute-logs/") for r in others), (
        "a rule without a prefix would expire the access logs too (S3 applies the shortest)"
    )
    logging = template["Resources"]["LakeBucket"]["Properties"]["LoggingConfiguration"]
    assert logging["LogFilePrefix"].startswith("s3-access-logs/")


def test_the_webserver_is_reached_only_after_an_oidc_login(template):
    listeners = resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener")
    assert listeners, "no load balancer in front of the webserver"
    for name, listener in listeners.items():
        props = listener["Properties"]
        assert props["Protocol"] == "HTTPS" and props["Certificates"], name
        actions = sorted(props["DefaultActions"], key=lambda a: a["Order"])
        assert actions[0]["Type"] in ("authenticate-oidc", "authenticate-cognito"), name
        config = actions[0].get("AuthenticateOidcConfig") or actions[0]["AuthenticateCognitoConfig"]
        assert config["OnUnauthenticatedRequest"] == "authenticate", name
        assert "{{resolve:secretsmanager:" in str(config.get("ClientSecret", "{{resolve:secretsmanager:")), name
        assert [a["Type"] for a in actions[1:]] == ["forward"], name
    assert not resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule"), "a rule could skip the login"
    (ingress,) = template["Resources"]["WebserverSecurityGroup"]["Properties"]["SecurityGroupIngress"]
    assert ingress["SourceSecurityGroupId"] == {"Ref": "WebserverLoadBalancerSecurityGroup"} and "CidrIp" not in ingress
    assert ingress["FromPort"] == ingress["ToPort"] == 3000


def test_instance_config_matches_the_template(template):
    """The run launcher registers task definitions under the prefix the services may run, and
    writes compute logs where the run policy lets it."""
    instance = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    prefix = instance["run_launcher"]["config"]["task_definition_prefix"]
    assert prefix == template["Parameters"]["RunTaskDefinitionPrefix"]["Default"]
    compute_prefix = instance["compute_logs"]["config"]["prefix"]
    run_policy = str(template["Resources"]["DagsterRunPolicy"]["Properties"]["PolicyDocument"])
    assert f"${{OpsBucket.Arn}}/{compute_prefix}/*" in run_policy


def test_deploy_guide_uses_only_outputs_the_stack_has(template):
    guide = (ROOT / "docs" / "deploy-aws.md").read_text()
    used = set(re.findall(r"\$\(out (\w+)\)", guide))
    assert used, "docs/deploy-aws.md reads no stack output"
    assert used <= set(template["Outputs"]), used - set(template["Outputs"])
