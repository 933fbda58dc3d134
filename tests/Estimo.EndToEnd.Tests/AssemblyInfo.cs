[assembly: CaptureConsole]
// Each test class starts its own simulator + remote and several browser contexts; on a 2-core CI
// machine running them one after another is faster and steadier than running them together.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
