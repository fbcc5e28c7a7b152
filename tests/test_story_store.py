"""Stories in the store: a near-copy of a wire story is grouped with it, shown once, and credited."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.readers import read_path
from rag.config import Settings
from rag.embeddings import Embedder
from rag.engine import Engine

WIRE = ("Le conseil municipal de Brest a voté mardi soir la gratuité des transports en commun pour les moins "
        "de 18 ans à partir de septembre. La mesure coûtera 2,4 millions d'euros par an selon la mairie. Les "
        "élus de l'opposition ont dénoncé une décision prise sans étude d'impact. Le maire a assuré que la "
        "fréquentation des bus avait déjà augmenté de 12 % depuis janvier. La gratuité sera étendue aux "
        "étudiants si le budget 2026 le permet, a-t-il ajouté devant la presse locale.")


def test_copy_is_one_story_shown_once_and_credited(tmp_path: Path, embedder: Embedder) -> None:
    """Two outlets publish the same wire copy (new headline, boilerplate): one story in the listing, one
    passage per story in retrieval, the other outlet listed as 'also reported by'; a different article on
    the same topic stays its own story; an identical re-ingest is unchanged."""
    rows = [
        {"id": "ouest", "title": "Brest : bus gratuits pour les moins de 18 ans", "source": "Ouest Matin",
         "date": "2025-06-03", "text": WIRE, "lang": "fr"},
        {"id": "tele", "title": "Transports gratuits pour les jeunes Brestois", "source": "Le Télégraphe",
         "date": "2025-06-04", "text": "(AFP) — " + WIRE + "\n\nCopyright AFP. Tous droits réservés.", "lang": "fr"},
        {"id": "autre", "title": "Brest : l'opposition veut un référendum sur les bus", "source": "Ouest Matin",
         "date": "2025-06-10", "lang": "fr", "text": "L'opposition municipale de Brest demande un référendum sur la "
         "gratuité des bus. Elle estime le coût réel à plus de trois millions d'euros par an et réclame un audit."},
    ]
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    engine = Engine.open(Settings(store=tmp_path / "s", nlp_at_ingest=False), embedder)
    assert engine.ingestor().ingest(read_path(batch, engine.settings)).to_json()["added"] == 3
    engine.store.sync_keyword()
    kw = engine.store.keyword
    assert kw.story_of("ouest") == kw.story_of("tele") != kw.story_of("autre")
    _, _, passages = engine.prepare("Combien coûtera la gratuité des bus à Brest ?")
    assert len({kw.story_of(p.article_id) for p in passages}) == len({p.article_id for p in passages})
    _, _, compare = engine.prepare("Comparer comment les différents médias ont rapporté la gratuité des bus")
    assert {"ouest", "tele"} <= {p.article_id for p in compare}
    ans = engine.ask("Combien coûtera la gratuité des bus à Brest ?")
    cited = [c for c in ans.citations if c.article_id in ("ouest", "tele")]
    assert cited and any("2025-06" in a for c in cited for a in c.also), ans
    assert engine.ingestor().ingest(read_path(batch, engine.settings)).to_json()["unchanged"] == 3
