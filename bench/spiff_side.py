"""The SpiffWorkflow side of the lifecycle comparison (bench/spiff.py runs it): a start and three human tasks
(register, assign, handle), persisted after each step. Run with a Python that has SpiffWorkflow (its own venv;
never the project's): it imports nothing from Duban.

    /work/venv-spiff/bin/python bench/spiff_side.py --items 200 --db /tmp/spiff.db

Each instance: the workflow is created and run to its first user task, serialised (BpmnWorkflowSerializer, JSON)
and INSERTed; then three times: the row is read back and deserialised, the ready user task gets its data and runs,
the engine steps on, and the workflow is serialised and UPDATEd, each step its own transaction (BEGIN IMMEDIATE ...
COMMIT) on a SQLite file with Duban's pragmas (WAL, synchronous=NORMAL, foreign_keys, busy_timeout). Prints one
JSON object: instances, steps, seconds, and the seconds spent in SQLite alone."""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

STEPS = ("register", "assign", "handle")
BPMN = ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/'
        'MODEL" id="d" targetNamespace="http://bpmn.io/schema/bpmn"><bpmn:process id="directive" isExecutable="true">'
        '<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
        + "".join(f'<bpmn:userTask id="{s}"><bpmn:incoming>f{i}</bpmn:incoming><bpmn:outgoing>f{i + 1}</bpmn:outgoing>'
                  f'</bpmn:userTask>' for i, s in enumerate(STEPS))
        + '<bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>'
        + "".join(f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
                  for i, (a, b) in enumerate(zip(("start",) + STEPS, STEPS + ("end",))))
        + "</bpmn:process></bpmn:definitions>")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    parser = BpmnParser()
    parser.add_bpmn_xml(etree.fromstring(BPMN.encode()))
    spec = parser.get_spec("directive")
    ser = BpmnWorkflowSerializer()
    con = sqlite3.connect(args.db, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("CREATE TABLE workflow (id INTEGER PRIMARY KEY, state TEXT NOT NULL, done INTEGER NOT NULL)")
    sql = 0.0
    t0 = time.perf_counter()
    for n in range(args.items):
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        s = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        wid = con.execute("INSERT INTO workflow (state, done) VALUES (?, 0)", (ser.serialize_json(wf),)).lastrowid
        con.execute("COMMIT")
        sql += time.perf_counter() - s
        for step in STEPS:
            s = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            state = con.execute("SELECT state FROM workflow WHERE id = ?", (wid,)).fetchone()[0]
            sql += time.perf_counter() - s
            wf = ser.deserialize_json(state)
            task, = wf.get_tasks(state=TaskState.READY, manual=True)
            if task.task_spec.name != step:
                raise SystemExit(f"expected {step}, got {task.task_spec.name}")
            task.data.update({f"{step}_by": "bench", "n": n})
            task.run()
            wf.do_engine_steps()
            state = ser.serialize_json(wf)
            s = time.perf_counter()
            con.execute("UPDATE workflow SET state = ?, done = ? WHERE id = ?", (state, int(wf.is_completed()), wid))
            con.execute("COMMIT")
            sql += time.perf_counter() - s
    seconds = time.perf_counter() - t0
    done = con.execute("SELECT count(*) FROM workflow WHERE done = 1").fetchone()[0]
    if done != args.items:
        raise SystemExit(f"only {done} of {args.items} workflows completed")
    import SpiffWorkflow
    print(json.dumps({"instances": args.items, "steps": args.items * 4, "seconds": seconds, "sql_seconds": sql,
                      "version": getattr(SpiffWorkflow, "__version__", None)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
