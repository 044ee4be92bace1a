"""Reports from the register: the ATT annual report (Art. 13(3)), the UN Register return and a
national transparency report in the manner of the EU's COARM report.

Layers, from the inside out:

* :mod:`.forms` - the forms' rows (categories, sub-categories) and regions, as cited data;
* :mod:`.snapshot` - the register's licences, shipments and denials as of one moment (plain
  values, no database);
* :mod:`.figures`, :mod:`.national` - pure functions from a snapshot to a report's figures;
* :mod:`.reconcile` - the checks that refuse a report that does not add up;
* :mod:`.loading` - reads a snapshot out of the register as of a moment, from its event log;
* :mod:`.writers` - xlsx, CSV, JSON, HTML, PDF and charts;
* :mod:`.service` - generate, record (versioned, in the audit log) and return the bytes; what
  the CLI, the REST API and the web UI call.
"""
