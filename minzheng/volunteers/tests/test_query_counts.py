"""The volunteer lists run the same number of queries for 2 volunteers as for 6."""

import pytest


@pytest.mark.django_db
def test_volunteer_list_and_board_do_not_query_per_row(
    client, organiser, activity, make_volunteer, queries_of
):
    client.force_login(organiser)

    def pages():
        for url in ("/staff/volunteers/people/", "/staff/volunteers/"):
            assert client.get(url).status_code == 200

    for _ in range(2):
        make_volunteer()
    queries_of(pages)  # warm: session, permissions and content-type caches
    few = queries_of(pages)
    for _ in range(4):
        make_volunteer(party=True)
    assert queries_of(pages) == few
