"""People: sign up, sign in and out, and the student or instructor role of each person.

Other apps ask :func:`iamlab.people.roles.is_instructor` (or :func:`~iamlab.people.roles.role_of`)
rather than reading :class:`~iamlab.people.models.Profile` directly: the profile is created on
demand, so a user made in the admin or by ``createsuperuser`` works too.
"""
