"""The 依申请公开 register: requests for disclosure on the clocks of the 《政府信息公开条例》
(2019). `states` holds the table of allowed moves, `clock` the working-day arithmetic,
`history` the hash-chained trail, `reply` the 答复书 template; the writes are the services
of `workflow.services.disclosure` (docs/disclosure.md)."""
