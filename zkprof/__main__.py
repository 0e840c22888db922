from zkprof.cli import main

raise SystemExit(main())
