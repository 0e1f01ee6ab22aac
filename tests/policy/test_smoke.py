from iamlab.policy import Request, evaluate, parse_policy


def test_identity_allow():
    policy = parse_policy(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject",'
        ' "Resource": "*"}}'
    )
    request = Request("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate(request, identity=[policy]).decision == "allowed"
