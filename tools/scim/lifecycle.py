"""A joiner, a mover and a leaver, provisioned with scim2-client as an identity provider would.

Usage: lifecycle.py BASE_URL [BEARER_TOKEN]
After each step it prints one JSON line ({"step": ..., ...}) and waits for a line on stdin, so the
caller can check decisions between steps (and keeps deciding while the steps run).
Steps: joined (user in group "hr"), moved (from "hr" to "engineering"), left (active false).
"""
import json
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Group, GroupMember, PatchOp, PatchOperation, User


def step(name: str, **facts: str) -> None:
    print(json.dumps({"step": name, **facts}), flush=True)
    sys.stdin.readline()


def main() -> None:
    headers = {"Authorization": f"Bearer {sys.argv[2]}"} if len(sys.argv) > 2 else {}
    scim = SyncSCIMClient(Client(base_url=sys.argv[1], headers=headers, timeout=30))
    scim.discover()
    hr = scim.create(Group(display_name="hr"))
    eng = scim.create(Group(display_name="engineering"))
    user = scim.create(User(user_name="joiner.jo", active=True))
    scim.modify(
        Group, hr.id, PatchOp[Group](operations=[PatchOperation(op="add", path="members", value=[GroupMember(value=user.id)])])
    )
    step("joined", user=user.id)
    scim.modify(
        Group, hr.id, PatchOp[Group](operations=[PatchOperation(op="remove", path=f'members[value eq "{user.id}"]')])
    )
    scim.modify(
        Group, eng.id, PatchOp[Group](operations=[PatchOperation(op="add", path="members", value=[GroupMember(value=user.id)])])
    )
    step("moved", user=user.id)
    scim.modify(User, user.id, PatchOp[User](operations=[PatchOperation(op="replace", path="active", value=False)]))
    step("left", user=user.id)


if __name__ == "__main__":
    main()
