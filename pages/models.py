"""Models & routing: the registry with what was measured, the learned routers and how good they are, the routing
rules and user preferences (validated, then saved), and a playground that shows which model a request would get
and why."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app import deps, state
from app.components.feedback import flash, guard, offline_badge, show_flash
from app.components.formatting import label_model, model_labels, usd
from app.components.routers import learned_routers
from core.gateway import CallContext
from core.routing import router_threshold_note, router_views
from core.settings_edit import SettingsInvalid, rules_as_dicts, save_preferences, save_routing_rules

NONCE = state.RULES_PREFIX + "nonce"
FIELDS = ("name", "tasks", "keywords", "model")

st.title("Models & routing")
show_flash()


def slot_problem(slot: Any, message: str | None) -> None:
    if message:
        slot.error(message, icon=":material/error:")


with guard("loading the models"):
    settings, registry = deps.settings(), deps.registry()
    labels = model_labels(registry)
    ids = sorted(labels)
    tasks = sorted({*settings.routing.task_types, settings.routing.default_task})
    models_tab, routers_tab, rules_tab, prefs_tab, explain_tab = st.tabs(
        ["Models", "Learned routers", "Routing rules", "Preferences", "Route explain"]
    )

with guard("showing the registry"), models_tab:
    catalog = deps.model_catalog(deps.data_key())
    if any(m.is_offline and m.enabled for m in registry.models):
        offline_badge()
        st.caption(
            "The offline drafter answers with deterministic drafts at no cost, so the app works without keys."
        )
    st.dataframe(
        catalog.drop(columns=["id"]),
        hide_index=True,
        column_config={
            "input_per_mtok": st.column_config.NumberColumn("in $/1M", format="$%.2f"),
            "output_per_mtok": st.column_config.NumberColumn("out $/1M", format="$%.2f"),
            "cache_read_per_mtok": st.column_config.NumberColumn("cache read $/1M", format="$%.2f"),
            "p50_ms": st.column_config.NumberColumn("p50", format="%.0f ms"),
            "p95_ms": st.column_config.NumberColumn("p95", format="%.0f ms"),
            "success_rate": st.column_config.NumberColumn("success", format="percent"),
            "quality": st.column_config.NumberColumn("quality", format="%.2f"),
        },
    )
    if st.button("Refresh measurements", icon=":material/refresh:", key="models.refresh"):
        with st.spinner("Rolling up the warehouse…"):
            deps.warehouse().refresh_performance()
        deps.refresh_queries()
        st.rerun()
    if st.button("Reload configuration", icon=":material/sync:", key="models.reload"):
        deps.reset()  # the next run reads the configuration file again
        st.rerun()
    st.caption("Measured latency and quality come from the usage warehouse (refreshed on demand).")

with guard("showing the learned routers"), routers_tab:
    st.caption(
        "A learned router scores each prompt with the chance that it needs the strong model; at or above the "
        "threshold the strong model answers. The curve is measured on held-out prompts when the router was trained."
    )
    learned_routers(router_views(settings), str(settings.source or "config/travelops.yml"))

with guard("editing the routing rules"), rules_tab:
    st.caption(
        f"Rules are checked first: a rule sends a task, or any prompt with one of its keywords, to a model. "
        f"Saved into {settings.source or 'the configuration file'} (the old file is kept as .bak)."
    )
    current = rules_as_dicts(settings)
    nonce = st.session_state.get(NONCE, 0)
    with st.form(f"{state.RULES_PREFIX}{nonce}.form"):
        rows: list[tuple[dict[str, Any], dict[str, Any], bool]] = []
        for i, rule in enumerate([*current, {"name": "", "tasks": [], "keywords": [], "model": None}]):
            new = i == len(current)
            k = f"{state.RULES_PREFIX}{nonce}.{i}."
            st.markdown("**New rule**" if new else f"**Rule {i + 1}**")
            c = st.columns([3, 3, 3, 3, 1], vertical_alignment="bottom")
            found = registry.find(rule["model"]) if rule["model"] else None
            values = {
                "name": c[0].text_input("Name", rule["name"], key=k + "name"),
                "tasks": c[1].multiselect("Tasks", tasks, [t for t in rule["tasks"] if t in tasks], key=k + "tasks"),
                "keywords": [w.strip() for w in c[2].text_input("Keywords", ", ".join(rule["keywords"]), key=k + "keywords").split(",") if w.strip()],
                "model": c[3].selectbox("Model", [None, *ids], ids.index(found.id) + 1 if found else 0, format_func=lambda m: "choose…" if m is None else labels[m], key=k + "model"),
            }  # fmt: skip
            drop = c[4].checkbox("Delete", key=k + "delete", disabled=new)
            slots = {"rule": st.empty(), **{f: st.empty() for f in FIELDS}}
            blank = new and not (values["name"] or values["tasks"] or values["keywords"] or values["model"])
            rows.append((values, slots, drop or blank))
        save = st.form_submit_button("Save rules", type="primary")
    if save:
        kept = [(values, slots) for values, slots, skip in rows if not skip]
        try:
            saved = save_routing_rules(settings, [v for v, _ in kept])
        except SettingsInvalid as e:
            for field, message in e.problems.items():
                _, index, *rest = field.split(".")
                slots = kept[int(index)][1]
                slot_problem(slots.get(rest[0] if rest else "rule", slots["rule"]), message)
        else:
            st.session_state[NONCE] = nonce + 1
            deps.reset()
            note = "" if saved.comments_kept else " (the file was rewritten whole: its comments are gone)"
            flash(f"Saved {len(kept)} rule(s) to {saved.path}; the old file is {saved.backup.name}{note}.")
            st.rerun()

with guard("editing preferences"), prefs_tab:
    known = deps.filter_options(deps.data_key()).users
    pick = st.selectbox(
        "User", [*known, None], format_func=lambda u: u or "another user…", key=state.PREFS_PREFIX + "pick"
    )
    user = pick or st.text_input(
        "User id", key=state.PREFS_PREFIX + "user", placeholder="as usage rows record it, e.g. maria"
    )
    if user:
        prefs = deps.warehouse().get_preferences(user)
        k = f"{state.PREFS_PREFIX}{user}."
        with st.form(k + "form"):
            preferred = st.selectbox("Preferred model", [None, *ids], ids.index(prefs.preferred_model) + 1 if prefs and prefs.preferred_model in ids else 0, format_func=lambda m: "none" if m is None else labels[m], key=k + "preferred")  # fmt: skip
            s_pref = st.empty()
            mode = st.radio("When no rule decides, prefer", ["quality", "cost", "speed"], ["quality", "cost", "speed"].index(prefs.performance_preference if prefs else "quality"), horizontal=True, key=k + "mode")  # fmt: skip
            cap = st.number_input("Most per request (USD, 0 = no cap)", min_value=0.0, value=float(prefs.cost_threshold or 0) if prefs else 0.0, step=0.01, format="%.4f", key=k + "cap")  # fmt: skip
            s_cap = st.empty()
            fallbacks = st.multiselect("Fallback models", ids, [m for m in (prefs.fallback_models if prefs else []) if m in ids], format_func=lambda m: labels[m], key=k + "fallbacks")  # fmt: skip
            s_fb = st.empty()
            if st.form_submit_button("Save preferences", type="primary"):
                try:
                    save_preferences(
                        deps.warehouse(), registry, user_id=user, preferred_model=preferred,
                        cost_threshold=cap or None, performance_preference=mode, fallback_models=fallbacks,
                    )  # fmt: skip
                except SettingsInvalid as e:
                    slots = {"preferred_model": s_pref, "cost_threshold": s_cap, "fallback_models": s_fb}
                    for field, message in e.problems.items():
                        slot_problem(slots.get(field, s_pref), f"{field}: {message}")
                else:
                    deps.gateway().caches.metadata.invalidate()
                    flash(f"Saved {user}'s preferences.")
                    st.rerun()

with guard("explaining the route"), explain_tab:
    st.caption("Which model would answer, and why: nothing is sent to any model.")
    with st.form("models.explain.form"):
        task = st.selectbox("Task", tasks, tasks.index(settings.routing.default_task), key=state.EXPLAIN_TASK)
        prompt = st.text_area(
            "Prompt", key=state.EXPLAIN_PROMPT, placeholder="Plan 5 days in Kyoto for a family…"
        )
        who = st.selectbox(
            "As user", [None, *known], format_func=lambda u: u or "no user", key=state.EXPLAIN_USER
        )
        asked = st.form_submit_button("Explain", type="primary")
    if asked:
        messages = [{"role": "user", "content": prompt or ""}]
        st.session_state[state.EXPLAIN_RESULT] = deps.gateway().explain(
            task, messages, context=CallContext(user_id=who)
        )
    decision = st.session_state.get(state.EXPLAIN_RESULT)
    if decision is not None:
        info = registry.get(decision.model)
        st.markdown(f"### {labels.get(info.id, info.id)}")
        if info.is_offline:
            offline_badge()
        st.info(decision.reason, icon=":material/alt_route:")
        c = st.columns(4)
        c[0].metric("Why", decision.source)
        c[1].metric("Complexity", f"{decision.complexity:.2f}", decision.complexity_label, delta_color="off")
        c[2].metric("Estimated cost", usd(decision.estimated_cost_usd))
        c[3].metric("Tokens", f"{decision.prompt_tokens:,} in / ≤{decision.max_output_tokens:,} out")
        if decision.router_score is not None and decision.router_threshold is not None:
            note = router_threshold_note(
                decision.router_threshold,
                decision.router_base_threshold,
                decision.router_strong_share,
                decision.budget_share_left,
            )
            st.markdown(f"**Router score:** {decision.router_score:.2f} · **threshold:** {note}")
        st.markdown(
            "**Fallbacks:** " + (", ".join(label_model(m, labels) for m in decision.fallbacks) or "none")
        )
        if decision.skipped:
            st.dataframe(
                [{"model": m, "skipped because": why} for m, why in decision.skipped.items()], hide_index=True
            )
