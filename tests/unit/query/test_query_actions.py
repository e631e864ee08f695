"""The action library through the read layer: filters, typo-tolerant search, links from
indicators and areas, and editors' drafts (stored through the single writer) hidden from
public reads until published."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.catalogue.actions import ActionEntry, ActionSource, ReviewStatus, Sector
from healthgap.errors import InputError, StoreError
from healthgap.partners import add_action, publish_action
from healthgap.publish import open_writer
from healthgap.query import ReadLayer, UnknownParameter, actions, editor, public

ISLINGTON = "E09000019"


def test_filters_by_aim_focus_area_sector_borough_and_theme(reader: ReadLayer) -> None:
    pub = public()
    everything = actions.actions(reader, pub)
    assert len(everything) >= 20
    minds = actions.actions(reader, pub, aim="healthy_minds")
    assert minds
    assert all("healthy_minds" in e.aims for e in minds)
    assert len(minds) < len(everything)
    hiv = actions.actions(reader, pub, focus_area="hiv_sti")
    assert {e.id for e in hiv} >= {"positive-east-reassure", "vision-hiv-actions"}
    vcse = actions.actions(reader, pub, sector="vcse")
    assert vcse
    assert all(e.sector is Sector.VCSE for e in vcse)
    islington = actions.actions(reader, pub, borough=ISLINGTON)
    assert {e.id for e in islington} >= {"stuart-low-trust", "better-lives-family-service"}
    oral = actions.actions(reader, pub, theme="ORAL HEALTH")
    assert {e.id for e in oral} == {
        "whittington-supervised-toothbrushing",
        "kc-maternity-champions-oral-health",
    }
    both = actions.actions(reader, pub, sector="vcse", borough=ISLINGTON, aim="healthy_minds")
    assert [e.id for e in both] == ["stuart-low-trust"]


@pytest.mark.parametrize(
    ("kwargs", "parameter", "hint"),
    [
        ({"aim": "healthy_mind"}, "aim", "healthy_minds"),
        ({"focus_area": "hiv"}, "focus_area", "hiv_sti"),
        ({"sector": "charity"}, "sector", "vcse"),
        ({"borough": "E09000099"}, "borough", "E09000009"),
    ],
)
def test_unknown_filter_value_names_parameter_and_suggests(
    reader: ReadLayer, kwargs: dict[str, str], parameter: str, hint: str
) -> None:
    with pytest.raises(UnknownParameter) as err:
        actions.actions(reader, public(), **kwargs)
    assert err.value.parameter == parameter
    assert hint in str(err.value)


def test_search_tolerates_typos_and_ranks_title_matches_first(reader: ReadLayer) -> None:
    exact = actions.search_library(reader, public(), "toothbrushing")
    typo = actions.search_library(reader, public(), "tooth brushng")
    assert exact[0].id == "whittington-supervised-toothbrushing"
    assert typo[0].id == "whittington-supervised-toothbrushing"
    assert [e.id for e in actions.search_library(reader, public(), "demntia")][:1] in (
        ["lfb-dementia-friends"],
        ["vision-dementia-actions"],
    )
    assert actions.search_library(reader, public(), "zzzzqqq") == []
    with pytest.raises(InputError, match="letter or digit"):
        actions.search_library(reader, public(), "  ?! ")


def test_show_one_and_unknown_id_suggests(reader: ReadLayer) -> None:
    assert actions.action(reader, public(), "dagenham-farm").organisation == "Dagenham Farm"
    with pytest.raises(UnknownParameter, match="dagenham-farm"):
        actions.action(reader, public(), "dagenham-frm")


def test_links_from_indicator_and_area(reader: ReadLayer) -> None:
    ind = next(i for i in reader.indicators() if "hiv_sti" in i.focus_areas)
    linked = actions.actions_for_indicator(reader, public(), ind.id)
    assert linked[0].focus_areas
    assert "hiv_sti" in linked[0].focus_areas
    assert all(
        set(e.aims) & set(ind.aims) or set(e.focus_areas) & set(ind.focus_areas) for e in linked
    )
    # A ward is linked to the entries naming its borough.
    ward = reader.geography.search("Notting Dale", area_type="ward")[0].code
    assert [e.id for e in actions.actions_for_area(reader, public(), ward)] == [
        "kc-maternity-champions-oral-health"
    ]
    london = actions.actions_for_area(reader, public(), "E12000007")
    assert len(london) == len({e.id for e in actions.actions(reader, public()) if e.boroughs})
    with pytest.raises(UnknownParameter):
        actions.actions_for_area(reader, public(), "E09000999")


def _entry(**over: object) -> ActionEntry:
    base: dict[str, object] = {
        "id": "camden-walking-group",
        "title": "Walking group for carers",
        "organisation": "Camden Carers Centre",
        "boroughs": ("E09000007",),
        "aims": ("healthy_living",),
        "sector": Sector.VCSE,
        "themes": ("physical activity",),
        "what": "Weekly walks.",
        "for_whom": "Unpaid carers.",
        "results": "No results stated.",
        "source": ActionSource(document="004", section="editor entry"),
        "status": ReviewStatus.PUBLISHED,
    }
    base.update(over)
    return ActionEntry.model_validate(base)


def test_editor_draft_hidden_from_public_until_published(store_path: Path) -> None:
    writer = open_writer(store_path)
    try:
        read = ReadLayer(writer.store)
        boroughs = [b.code for b in read.geography.boroughs()]
        draft = add_action(
            writer, _entry(), recorded_by="ed", catalogue=read.catalogue, boroughs=boroughs
        )
        assert draft.status is ReviewStatus.DRAFT  # a new entry is always a draft
        assert "camden-walking-group" not in {e.id for e in actions.actions(read, public())}
        assert actions.action(read, editor(), "camden-walking-group").status is ReviewStatus.DRAFT
        with pytest.raises(UnknownParameter):
            actions.action(read, public(), "camden-walking-group")
        publish_action(writer, "camden-walking-group", recorded_by="lead")
        shown = actions.action(read, public(), "camden-walking-group")
        assert shown.status is ReviewStatus.PUBLISHED
        assert [r.status for r in writer.store.action_entries(history=True)] == [
            "draft",
            "published",
        ]
        assert actions.search_library(read, public(), "carers walk")[0].id == shown.id
    finally:
        writer.close()
        writer.store.close()


def test_editor_entry_with_unknown_reference_or_shipped_id_writes_nothing(
    store_path: Path,
) -> None:
    writer = open_writer(store_path)
    try:
        read = ReadLayer(writer.store)
        boroughs = [b.code for b in read.geography.boroughs()]
        with pytest.raises(InputError, match="aims must be one of"):
            add_action(
                writer,
                _entry(aims=("healthy_pets",)),
                recorded_by="ed",
                catalogue=read.catalogue,
                boroughs=boroughs,
            )
        with pytest.raises(InputError, match="taken by a shipped entry"):
            add_action(
                writer,
                _entry(id="dagenham-farm"),
                recorded_by="ed",
                catalogue=read.catalogue,
                boroughs=boroughs,
            )
        with pytest.raises(InputError, match="no editor's entry"):
            publish_action(writer, "nothing-here", recorded_by="ed")
        with pytest.raises(StoreError, match="status"):
            writer.store.record_action_entry("x", status="live", body="{}", recorded_by="ed")
        assert writer.store.action_entries(history=True) == []
    finally:
        writer.close()
        writer.store.close()


@pytest.mark.parametrize(
    "text",
    [
        "Women's health",  # a possessive typed with a straight apostrophe
        "Women\u2019s health",  # and with the curly one phones and Word put in
        "the health of women",  # words such as "the" and "of" are not required to match
    ],
)
def test_search_ignores_possessives_and_small_words(reader: ReadLayer, text: str) -> None:
    plain = [e.id for e in actions.search_library(reader, public(), "women health")]
    assert plain
    assert [e.id for e in actions.search_library(reader, public(), text)] == plain


def test_search_of_only_small_words_still_searches(reader: ReadLayer) -> None:
    assert actions.search_library(reader, public(), "of the")


def test_borough_filter_takes_a_name_as_well_as_a_code(reader: ReadLayer) -> None:
    by_code = actions.actions(reader, public(), borough="E09000020")
    assert by_code
    for name in ("Kensington and Chelsea", "kensington & chelsea", " e09000020 "):
        assert actions.actions(reader, public(), borough=name) == by_code
    with pytest.raises(UnknownParameter) as err:
        actions.actions(reader, public(), borough="Kensington & Chelsa")
    assert err.value.suggestions[0] == "Kensington and Chelsea"
    with pytest.raises(UnknownParameter) as err:
        actions.actions(reader, public(), borough="Kensingtn")  # a prefix, misspelt
    assert err.value.suggestions[0] == "Kensington and Chelsea"
    assert actions.actions(reader, public(), sector="VCSE ") == actions.actions(
        reader, public(), sector="vcse"
    )
    assert "not a London borough; give a borough's name or GSS code" in str(err.value)


def test_search_without_words_says_so(reader: ReadLayer) -> None:
    with pytest.raises(UnknownParameter, match="'!!': search words must contain a letter"):
        actions.find(reader, public(), text="!!")
