"""Runs scim2-tester's Users, Groups and discovery checks against a SCIM server.

Usage: check.py BASE_URL [BEARER_TOKEN]
Prints one line per check and exits 1 when any check ends in ERROR or CRITICAL
(a MUST of RFC 7643/7644 broken), 0 otherwise.
"""
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

BAD = {Status.ERROR, Status.CRITICAL}


def main() -> int:
    base_url = sys.argv[1]
    headers = {"Authorization": f"Bearer {sys.argv[2]}"} if len(sys.argv) > 2 else {}
    client = SyncSCIMClient(Client(base_url=base_url, headers=headers, timeout=30))
    client.discover()
    results = check_server(client, raise_exceptions=False, resource_types=["User", "Group"])
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status.name] = counts.get(r.status.name, 0) + 1
        line = f"{r.status.name:10} {r.title}"
        if r.status in BAD or r.status == Status.DEVIATION:
            line += f": {r.reason}"
        print(line)
    print("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if any(r.status in BAD for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
