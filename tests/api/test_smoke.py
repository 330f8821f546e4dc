from tests.api.conftest import Api


async def test_health_answers_without_a_database(api: Api) -> None:
    response = await api.client.get("/health")
    assert response.json() == {"status": "ok"}


async def test_a_created_task_can_be_read_back(api: Api) -> None:
    created = await api.create()
    response = await api.client.get(f"{api.tasks}/{created['id']}", headers=api.auth())
    assert response.json() == created
