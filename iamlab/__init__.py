"""iamlab: learn AWS IAM identities in a sandbox that answers as AWS would."""
