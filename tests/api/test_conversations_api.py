"""Conversation and message routes over HTTP: status, headers, bodies, ownership."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.factories import new_user_id


async def start(api: Api, **body: object) -> dict[str, object]:
    response = await api.client.post(api.conversations, json=body, headers=api.auth())
    assert response.status_code == 201, response.text
    started: dict[str, object] = response.json()
    return started


class TestConversationRoutes:
    async def test_creating_answers_201_with_location(self, api: Api) -> None:
        response = await api.client.post(
            api.conversations, json={"title": "Groceries"}, headers=api.auth()
        )
        body = response.json()
        assert response.status_code == 201
        assert response.headers["Location"] == f"{api.conversations}/{body['id']}"
        assert body == {
            "id": body["id"],
            "user_id": api.user_id,
            "title": "Groceries",
            "created_at": "2026-11-22T10:00:00Z",
            "updated_at": "2026-11-22T10:00:00Z",
        }

    async def test_a_body_is_optional(self, api: Api) -> None:
        response = await api.client.post(api.conversations, headers=api.auth())
        assert (response.status_code, response.json()["title"]) == (201, None)

    async def test_a_title_over_200_characters_is_422(self, api: Api) -> None:
        response = await api.client.post(
            api.conversations, json={"title": "x" * 201}, headers=api.auth()
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_get_rename_and_delete(self, api: Api) -> None:
        path = f"{api.conversations}/{(await start(api))['id']}"
        api.clock.advance(minutes=5)
        renamed = await api.client.patch(path, json={"title": "Trip"}, headers=api.auth())
        assert (renamed.status_code, renamed.json()["title"]) == (200, "Trip")
        assert renamed.json()["updated_at"] == "2026-11-22T10:05:00Z"
        assert (await api.client.get(path, headers=api.auth())).json()["title"] == "Trip"
        assert (await api.client.delete(path, headers=api.auth())).status_code == 204
        assert (await api.client.get(path, headers=api.auth())).status_code == 404

    async def test_another_users_conversation_is_404_like_a_missing_one(self, api: Api) -> None:
        path = f"{api.conversations}/{(await start(api))['id']}"
        stranger = new_user_id()
        foreign = path.replace(api.user_id, stranger)
        missing = f"/api/{stranger}/conversations/999999"
        answers = [
            await api.client.get(url, headers=api.auth(stranger)) for url in (foreign, missing)
        ]
        assert [a.status_code for a in answers] == [404, 404]
        assert answers[0].json()["detail"].replace(path.rsplit("/", 1)[1], "N") == answers[
            1
        ].json()["detail"].replace("999999", "N")

    async def test_listing_is_newest_activity_first_with_a_next_link(self, api: Api) -> None:
        ids = []
        for _ in range(3):
            ids.append((await start(api))["id"])
            api.clock.advance(minutes=1)
        first = await api.client.get(f"{api.conversations}?limit=2", headers=api.auth())
        assert [c["id"] for c in first.json()] == [ids[2], ids[1]]
        link = first.headers["Link"]
        assert link.endswith('rel="next"')
        nxt = link[link.index("<") + 1 : link.index(">")]
        second = await api.client.get(nxt, headers=api.auth())
        assert [c["id"] for c in second.json()] == [ids[0]]
        assert "Link" not in second.headers


class TestMessageRoutes:
    async def test_posting_stores_the_message_and_moves_the_conversation(self, api: Api) -> None:
        conversation = await start(api)
        path = f"{api.conversations}/{conversation['id']}"
        api.clock.advance(minutes=3)
        posted = await api.client.post(
            f"{path}/messages", json={"content": "hello"}, headers=api.auth()
        )
        assert posted.status_code == 201
        assert posted.json() == {
            "id": posted.json()["id"],
            "conversation_id": conversation["id"],
            "role": "user",
            "content": "hello",
            "tool_calls": None,
            "created_at": "2026-11-22T10:03:00Z",
        }
        moved = (await api.client.get(path, headers=api.auth())).json()
        assert moved["updated_at"] == "2026-11-22T10:03:00Z"

    async def test_messages_list_oldest_first_in_pages(self, api: Api) -> None:
        path = f"{api.conversations}/{(await start(api))['id']}/messages"
        for n in range(3):
            await api.client.post(path, json={"content": f"m{n}"}, headers=api.auth())
        first = await api.client.get(f"{path}?limit=2", headers=api.auth())
        assert [m["content"] for m in first.json()] == ["m0", "m1"]
        link = first.headers["Link"]
        second = await api.client.get(
            link[link.index("<") + 1 : link.index(">")], headers=api.auth()
        )
        assert [m["content"] for m in second.json()] == ["m2"]

    async def test_bad_messages_are_422_and_store_nothing(self, api: Api) -> None:
        path = f"{api.conversations}/{(await start(api))['id']}/messages"
        for body in ({"content": ""}, {"content": "x" * 32_001}, {"content": "hi", "role": "bot"}):
            response = await api.client.post(path, json=body, headers=api.auth())
            assert response.status_code == 422, body
        assert (await api.client.get(path, headers=api.auth())).json() == []

    async def test_a_message_to_another_users_conversation_is_404(self, api: Api) -> None:
        path = f"{api.conversations}/{(await start(api))['id']}/messages"
        stranger = new_user_id()
        response = await api.client.post(
            path.replace(api.user_id, stranger), json={"content": "hi"}, headers=api.auth(stranger)
        )
        assert response.status_code == 404
        assert (await api.client.get(path, headers=api.auth())).json() == []

    async def test_without_a_token_it_is_401(self, api: Api) -> None:
        response = await api.client.get(api.conversations)
        assert response.status_code == 401
