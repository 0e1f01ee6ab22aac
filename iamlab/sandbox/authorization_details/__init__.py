"""Import and export the JSON that ``aws iam get-account-authorization-details`` prints.

The format (API_GetAccountAuthorizationDetails.html and the CLI reference
``cli/latest/reference/iam/get-account-authorization-details.html``) has four lists:
``UserDetailList``, ``GroupDetailList``, ``RoleDetailList`` and ``Policies``. Policy documents
are URL-encoded strings in the raw API response (RFC 3986) and JSON objects once the CLI has
decoded them; both are accepted. A user entry may also carry what other read-only commands print
about its credentials, as collectors add them:

* ``PasswordLastUsed`` (``get-user``),
* ``LoginProfile`` (``get-login-profile``: ``UserName``, ``CreateDate``, ``PasswordResetRequired``),
* ``AccessKeyMetadata`` (``list-access-keys``: ``UserName``, ``AccessKeyId``, ``Status``,
  ``CreateDate``),
* ``MFADevices`` (``list-mfa-devices``: ``UserName``, ``SerialNumber``, ``EnableDate``).

:func:`import_account` checks the whole file first (names, paths and unique ids as
reference_identifiers.html defines them, one account id across every ARN, references between
entries, every policy document through the engine with the right policy type, and the quotas of
reference_iam-quotas.html that cannot be raised), then writes everything in one transaction with
one ``bulk_create`` per table. Nothing is written when anything is wrong: the first problem is
raised as :class:`ImportProblem`, naming where it is.

AWS managed policies are iamlab's shipped snapshot (global rows, see ``awsmanaged.py``) unless
the file carries one that the snapshot lacks or holds at another version: then the file's
default version is used, kept as a copy in the importing sandbox (``aws_managed.py``), and
:func:`taken_from_file` names those for the import's summary. A file is never refused for an AWS
managed policy it carries; only one it uses without carrying, unknown to iamlab, is an error.

:func:`export_account` prints the same format back (documents decoded, as the CLI prints them),
with only the account's customer managed policies and the AWS managed policies used in it.

The package reads one list per module (``policies`` with ``aws_managed``, ``groups``, ``users``,
``roles``, on the shared checks of ``base``), writes in ``writing`` and prints in ``export``.
"""

from .aws_managed import taken_from_file
from .export import export_account
from .importing import account_counts, import_account
from .problems import ImportProblem

__all__ = ["ImportProblem", "account_counts", "export_account", "import_account", "taken_from_file"]
