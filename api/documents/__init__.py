"""Documents the office hands round: the supervision bulletin (督查通报) as DOCX and PDF, and the notice (督办通知单)
and chase (催办单) slips as PDF, rendered from the pure models of engine.reads.bulletin and engine.reads.slips."""
