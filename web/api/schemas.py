"""The API's request and response shapes (marshmallow): they validate the input and
write the OpenAPI document's schemas."""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

ID = validate.Range(min=1, max=2**31 - 1)
PAGE_MAX = 500


class Query(Schema):
    class Meta:
        unknown = EXCLUDE  # a client's extra parameter is ignored, not refused


class Body(Schema):
    class Meta:
        unknown = RAISE


class Problem(Schema):
    """A refusal (RFC 9457), sent as application/problem+json."""

    type = fields.Str(required=True)
    title = fields.Str(required=True, metadata={"description": "Chinese or English"})
    status = fields.Int(required=True)
    detail = fields.Str(required=True)
    instance = fields.Str(required=True)
    errors = fields.Dict(metadata={"description": "refused fields by location (422)"})


class ColumnNode(Schema):
    id = fields.Int(required=True)
    name = fields.Str(required=True)
    path = fields.Str(required=True, metadata={"description": "names from the root, '/'-joined"})
    level = fields.Int(required=True)
    parent_id = fields.Int(allow_none=True)
    content_type = fields.Str()
    tags = fields.List(fields.Str())
    units = fields.List(fields.Str(), metadata={"description": "the responsible units' names"})
    children = fields.List(fields.Nested(lambda: ColumnNode()))


class ColumnTree(Schema):
    columns = fields.List(fields.Nested(ColumnNode), required=True)


class ItemsQuery(Query):
    column_id = fields.Int(validate=ID)
    unit_id = fields.Int(validate=ID)
    after = fields.Int(
        load_default=0,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "the last item id of the previous page"},
    )
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=PAGE_MAX))


class ItemSummary(Schema):
    id = fields.Int(required=True)
    title = fields.Str(required=True)
    column_id = fields.Int(required=True)
    column_path = fields.Str(required=True)
    unit_id = fields.Int(required=True)
    unit_name = fields.Str(required=True)
    revision = fields.Int(required=True)
    first_published_at = fields.DateTime(required=True)
    published_at = fields.DateTime(required=True)
    url = fields.Str(required=True, metadata={"description": "this item in the API"})


class ItemPage(Schema):
    items = fields.List(fields.Nested(ItemSummary), required=True)
    next_after = fields.Int(allow_none=True)


class AttachmentOut(Schema):
    id = fields.Int(required=True)
    filename = fields.Str(required=True)
    media_type = fields.Str(required=True)
    type = fields.Str(required=True, metadata={"description": "正文/解读/起草说明/附件 code"})
    size = fields.Int(required=True)
    sha256 = fields.Str(required=True)
    download_url = fields.Str(required=True)


class ItemDetail(ItemSummary):
    body_html = fields.Str(required=True)
    fields_ = fields.Dict(data_key="fields", metadata={"description": "structured fields"})
    attachments = fields.List(fields.Nested(AttachmentOut), required=True)


class ChangesQuery(Query):
    cursor = fields.Int(
        load_default=0,
        validate=validate.Range(min=0, max=2**63 - 1),
        metadata={"description": "next_cursor of the previous page (0 or none: the start)"},
    )
    since = fields.AwareDateTime(
        metadata={"description": "only changes at or after this time (the first sync)"}
    )
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=PAGE_MAX))


class ChangeOut(Schema):
    seq = fields.Int(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(["published", "revised", "retracted"]))
    item_id = fields.Int(required=True)
    revision = fields.Int(allow_none=True)
    column_id = fields.Int(required=True)
    unit_id = fields.Int(required=True)
    at = fields.DateTime(required=True)
    url = fields.Str(allow_none=True, metadata={"description": "the item (none once retracted)"})


class ChangesPage(Schema):
    changes = fields.List(fields.Nested(ChangeOut), required=True)
    next_cursor = fields.Int(required=True, metadata={"description": "pass it as cursor"})
    has_more = fields.Bool(required=True)


class DeadlinesQuery(Query):
    column_id = fields.Int(validate=ID)
    unit_id = fields.Int(validate=ID)


class DeadlineOut(Schema):
    column_id = fields.Int(required=True)
    column_path = fields.Str(required=True)
    unit_id = fields.Int(required=True)
    unit_name = fields.Str(required=True)
    status = fields.Str(
        required=True, validate=validate.OneOf(["ok", "due_soon", "provisional", "overdue"])
    )
    next_due = fields.Date(allow_none=True)
    overdue_since = fields.Date(allow_none=True)
    last_published_at = fields.DateTime(allow_none=True)
    confirmed = fields.Bool(required=True)


class Deadlines(Schema):
    deadlines = fields.List(fields.Nested(DeadlineOut), required=True)


class DraftIn(Body):
    column_id = fields.Int(required=True, validate=ID)
    user = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "login of the drafter on whose behalf the draft is made"},
    )
    kind = fields.Str(load_default="article", validate=validate.Length(max=20))
    title = fields.Str(required=True, validate=validate.Length(min=1, max=500))
    body = fields.Str(load_default="", validate=validate.Length(max=1_000_000))
    part_id = fields.Int(validate=ID)


class DraftOut(Schema):
    item_id = fields.Int(required=True)
    state = fields.Str(required=True)
    title = fields.Str(required=True)
    web_url = fields.Str(required=True, metadata={"description": "the draft in sanshen"})


class ExternalIn(Body):
    column_id = fields.Int(required=True, validate=ID)
    unit_id = fields.Int(validate=ID, metadata={"description": "needed when several units"})
    url = fields.Str(required=True, validate=validate.Length(min=1, max=1000))
    title = fields.Str(required=True, validate=validate.Length(min=1, max=500))
    published_at = fields.AwareDateTime(required=True)
    published_by = fields.Str(load_default="", validate=validate.Length(max=100))


class ExternalOut(Schema):
    id = fields.Int(required=True)
    column_id = fields.Int(required=True)
    unit_id = fields.Int(required=True)
    url = fields.Str(required=True)
    title = fields.Str(required=True)
    published_at = fields.DateTime(required=True)
    published_by = fields.Str(required=True)
    label = fields.Str(required=True, metadata={"description": "外部发布: never reviewed"})
