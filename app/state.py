"""Every ``st.session_state`` key the app uses, named once (widget keys included, so tests can find them).

Keys are namespaced by page ("clients.search"); keys shared between pages start with "shared.". Values kept
here are small and typed at the point of use: ids, pydantic models, messages.
"""

from __future__ import annotations

from typing import Final

# Shared between pages
CURRENT_TRIP: Final = "shared.trip_id"  # the trip the Itinerary and Documents pages show
FLASH: Final = "shared.flash"  # a success message shown once after a rerun

# Clients
CLIENT_SEARCH: Final = "clients.search"
CLIENT_TABLE: Final = "clients.table"
CLIENT_PICK: Final = "clients.pick"
CLIENT_SELECTED: Final = "clients.selected_id"
CLIENT_FORM_PROBLEMS: Final = "clients.form_problems"  # field -> message, from the last failed save
CLIENT_DUPLICATES: Final = "clients.duplicates"  # matches found for the draft being created
CLIENT_CREATE_ANYWAY: Final = "clients.create_anyway"
CLIENT_FORM_PREFIX: Final = "clients.form."  # + field name: the create/edit form's inputs
CLIENT_EDIT: Final = "clients.edit"  # True: the form edits the selected client

# Itinerary
ITINERARY_TRIP: Final = "itinerary.trip"
ITINERARY_MOVE_PREFIX: Final = "itinerary.move."  # + item id: the "move to day" selectbox
BOARD_KEY_PREFIX: Final = "itinerary.board."  # + "<trip>.<generation>.<digest>": the sortables component
BOARD_GENERATION: Final = "itinerary.board_generation"  # bumped to start the board afresh after a save
BOARD_SHOWN: Final = "itinerary.board_shown"  # the "Drag-and-drop board" toggle
BOARD_LAST: Final = "itinerary.board_last"  # (key, columns) of the board the previous run drew

# Documents
DOCUMENTS_TRIP: Final = "documents.trip"
DOCUMENTS_KIND: Final = "documents.kind"
DOCUMENTS_FORMATS: Final = "documents.formats"
DOCUMENTS_VERSION: Final = "documents.version"

# Costs
COSTS_DIMENSION: Final = "costs.dimension"
COSTS_FILTER_PREFIX: Final = "costs.filter."
WHATIF_PREFIX: Final = "costs.whatif."  # + policy field
WHATIF_RESULT: Final = "costs.whatif.result"

# Quality & latency
QUALITY_FILTER_PREFIX: Final = "quality.filter."

# Models & routing
RULES_PREFIX: Final = "models.rules."  # + "<i>.<field>": the rule editor's inputs
RULES_PROBLEMS: Final = "models.rules.problems"
PREFS_PREFIX: Final = "models.prefs."  # + field
PREFS_PROBLEMS: Final = "models.prefs.problems"
EXPLAIN_TASK: Final = "models.explain.task"
EXPLAIN_PROMPT: Final = "models.explain.prompt"
EXPLAIN_USER: Final = "models.explain.user"
EXPLAIN_RESULT: Final = "models.explain.result"

# Plan
PLAN_TRIP: Final = "plan.trip"
PLAN_NEW_PREFIX: Final = "plan.new."  # + field: the "new trip" form's inputs
PLAN_NEW_FORM: Final = "plan.new.form"
PLAN_START: Final = "plan.start"  # the "Start planning this trip" button
PLAN_TICK_PREFIX: Final = "plan.tick."  # + "<trip>.<step>.<index>": a checklist checkbox
PLAN_TICKS_SHOWN: Final = "plan.ticks_shown"  # checkbox key -> the value it showed at the end of the last run
PLAN_FORCE: Final = "plan.force"  # "Mark step done" moves on past unticked items
PLAN_DONE: Final = "plan.done"  # the "Mark step done" button
PLAN_GOTO: Final = "plan.goto"  # the "go to step" selectbox
PLAN_CHAT: Final = "plan.chat"  # (trip id, step) -> [planning.Reply]
PLAN_CHAT_INPUT: Final = "plan.chat_input"
PLAN_DECIDED: Final = "plan.decided"  # "<run id>.<suggestion key>" -> "applied" | "discarded"
PLAN_RATINGS: Final = "plan.ratings"  # run id -> score given
PLAN_SUGGEST_PREFIX: Final = "plan.suggest."  # + "<run id>.<suggestion key>.apply|discard"
PLAN_RATE_PREFIX: Final = "plan.rate."  # + "<run id>.up|down"

# MCP servers
MCP_RESTART_PREFIX: Final = "mcp.restart."  # + "<server>.<instance index>"
MCP_DAYS: Final = "mcp.days"

# Reports
REPORTS_DOWNLOAD_PREFIX: Final = "reports.download."  # + the report's file name
