"""factory-boy factories for every sandbox model (and people).

Objects in one sandbox share it: pass ``account=`` (or ``sandbox=``) and the rest follows.
"""

from __future__ import annotations

import datetime as dt
import json

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from iamlab.sandbox import models

ALLOW_ALL_S3_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
        ],
    }
)


def trust_service(service: str = "ec2.amazonaws.com") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def trust_account(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"learner{n}")
    password = factory.django.Password("correct horse battery staple")


class SandboxFactory(DjangoModelFactory):
    class Meta:
        model = models.Sandbox

    owner = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Sandbox {n}")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = models.Account

    sandbox = factory.SubFactory(SandboxFactory)
    account_id = factory.Sequence(lambda n: f"{111122220000 + n:012d}")
    name = factory.Sequence(lambda n: f"Account {n}")
    email = factory.Sequence(lambda n: f"aws{n}@example.com")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = models.Organization

    sandbox = factory.SubFactory(SandboxFactory)


class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = models.OrgUnit

    organization = factory.SubFactory(OrganizationFactory)
    sandbox = factory.SelfAttribute("organization.sandbox")
    name = factory.Sequence(lambda n: f"OU{n}")


class _InAccount(DjangoModelFactory):
    class Meta:
        abstract = True

    account = factory.SubFactory(AccountFactory)
    sandbox = factory.SelfAttribute("account.sandbox")


class ManagedPolicyFactory(_InAccount):
    class Meta:
        model = models.ManagedPolicy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Policy{n}")
    document = ALLOW_ALL_S3_READ
    version = factory.RelatedFactory(
        "tests.sandbox.factories.PolicyVersionFactory",
        factory_related_name="policy",
        document=factory.SelfAttribute("..document"),
    )

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
        kwargs.pop("document", None)
        return super()._create(model_class, *args, **kwargs)


class PolicyVersionFactory(DjangoModelFactory):
    class Meta:
        model = models.PolicyVersion

    policy = factory.SubFactory(ManagedPolicyFactory, version=None)
    version_id = "v1"
    document = ALLOW_ALL_S3_READ
    is_default = True


class IamUserFactory(_InAccount):
    class Meta:
        model = models.IamUser

    name = factory.Sequence(lambda n: f"user{n}")


class IamGroupFactory(_InAccount):
    class Meta:
        model = models.IamGroup

    name = factory.Sequence(lambda n: f"group{n}")


class RoleFactory(_InAccount):
    class Meta:
        model = models.Role

    name = factory.Sequence(lambda n: f"role{n}")
    trust_policy = factory.LazyFunction(trust_service)


class InlinePolicyFactory(DjangoModelFactory):
    class Meta:
        model = models.InlinePolicy

    user = factory.SubFactory(IamUserFactory)
    sandbox = factory.SelfAttribute("user.sandbox")
    name = factory.Sequence(lambda n: f"inline{n}")
    document = ALLOW_ALL_S3_READ


class AccessKeyFactory(DjangoModelFactory):
    class Meta:
        model = models.AccessKey

    user = factory.SubFactory(IamUserFactory)
    account = factory.SelfAttribute("user.account")
    sandbox = factory.SelfAttribute("user.sandbox")


class MfaDeviceFactory(DjangoModelFactory):
    class Meta:
        model = models.MfaDevice

    user = factory.SubFactory(IamUserFactory)
    account = factory.SelfAttribute("user.account")
    sandbox = factory.SelfAttribute("user.sandbox")
    name = factory.Sequence(lambda n: f"phone{n}")


class ServiceCredentialFactory(DjangoModelFactory):
    class Meta:
        model = models.ServiceCredential

    user = factory.SubFactory(IamUserFactory)
    sandbox = factory.SelfAttribute("user.sandbox")
    service = "codecommit.amazonaws.com"


class SshPublicKeyFactory(DjangoModelFactory):
    class Meta:
        model = models.SshPublicKey

    user = factory.SubFactory(IamUserFactory)
    sandbox = factory.SelfAttribute("user.sandbox")
    body = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 learner@example"


class InstanceProfileFactory(_InAccount):
    class Meta:
        model = models.InstanceProfile

    name = factory.Sequence(lambda n: f"profile{n}")


class Ec2InstanceFactory(_InAccount):
    class Meta:
        model = models.Ec2Instance

    name = factory.Sequence(lambda n: f"web{n}")


class IdentityProviderFactory(_InAccount):
    class Meta:
        model = models.IdentityProvider

    kind = "saml"
    name = factory.Sequence(lambda n: f"CorpIdP{n}")


class SsoUserFactory(DjangoModelFactory):
    class Meta:
        model = models.SsoUser

    sandbox = factory.SubFactory(SandboxFactory)
    user_name = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")


class SsoGroupFactory(DjangoModelFactory):
    class Meta:
        model = models.SsoGroup

    sandbox = factory.SubFactory(SandboxFactory)
    name = factory.Sequence(lambda n: f"Team{n}")


class PermissionSetFactory(DjangoModelFactory):
    class Meta:
        model = models.PermissionSet

    sandbox = factory.SubFactory(SandboxFactory)
    name = factory.Sequence(lambda n: f"Set{n}")


class AccountAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = models.AccountAssignment

    account = factory.SubFactory(AccountFactory)
    sandbox = factory.SelfAttribute("account.sandbox")
    permission_set = factory.SubFactory(
        PermissionSetFactory, sandbox=factory.SelfAttribute("..sandbox")
    )
    sso_user = factory.SubFactory(SsoUserFactory, sandbox=factory.SelfAttribute("..sandbox"))


class OrgPolicyFactory(DjangoModelFactory):
    class Meta:
        model = models.OrgPolicy

    organization = factory.SubFactory(OrganizationFactory)
    sandbox = factory.SelfAttribute("organization.sandbox")
    kind = "scp"
    name = factory.Sequence(lambda n: f"Guardrail{n}")
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )


class ResourceFactory(_InAccount):
    class Meta:
        model = models.Resource

    kind = "s3"
    name = factory.Sequence(lambda n: f"example-bucket-{n}")


class StackFactory(ResourceFactory):
    """A CloudFormation stack with its service role (trusting CloudFormation), same account."""

    kind = "stack"
    name = factory.Sequence(lambda n: f"stack-{n}")
    role = factory.SubFactory(
        RoleFactory,
        account=factory.SelfAttribute("..account"),
        trust_policy=trust_service("cloudformation.amazonaws.com"),
    )


class BuildProjectFactory(ResourceFactory):
    """A CodeBuild project with its service role (trusting CodeBuild), same account."""

    kind = "build"
    name = factory.Sequence(lambda n: f"build-project-{n}")
    role = factory.SubFactory(
        RoleFactory,
        account=factory.SelfAttribute("..account"),
        trust_policy=trust_service("codebuild.amazonaws.com"),
    )


class StsSessionFactory(DjangoModelFactory):
    """A role session as STS issued it (AssumeRole), one hour long from now."""

    class Meta:
        model = models.StsSession

    role = factory.SubFactory(RoleFactory)
    sandbox = factory.SelfAttribute("role.sandbox")
    account = factory.SelfAttribute("role.account")
    session_name = factory.Sequence(lambda n: f"session-{n}")
    arn = factory.LazyAttribute(
        lambda o: f"arn:aws:sts::{o.account.account_id}:assumed-role/{o.role.name}/{o.session_name}"
    )
    access_key_id = factory.Sequence(lambda n: f"ASIA{n:016d}")
    issued_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.issued_at + dt.timedelta(hours=1))
    duration_seconds = 3600


class ProfileFactory(DjangoModelFactory):
    """A person's profile; ``role="instructor"`` for an instructor."""

    class Meta:
        model = "people.Profile"
        django_get_or_create = ("user",)

    user = factory.SubFactory(PersonFactory)
    role = "student"
