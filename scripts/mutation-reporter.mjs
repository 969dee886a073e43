// A vitest reporter for mutation runs only (scripts/mutation.mjs adds it). StrykerJS's vitest
// runner (9.6.1, and 10.0.0) builds a mutant's result from the tests vitest collected; a test
// file that fails to load collects none, so a mutant that stops a module from loading (a
// built-in loss family defined with an empty name, for instance) came out "survived" with
// 0 tests run, although every test that imports the module fails (stryker-js#6150). This
// reporter gives each test file that failed without any test one failed test carrying the
// file's load error, so such a mutant counts as killed. A file that loaded is left alone.

/** Whether a suite holds any test, at any depth. */
function holdsTest(suite) {
  return suite.tasks.some((task) => task.type === 'test' || (task.type === 'suite' && holdsTest(task)));
}

export class UnloadableFileAsFailedTest {
  onTestRunEnd(testModules) {
    for (const module of testModules) {
      const file = module.task;
      if (file.result?.state !== 'fail' || holdsTest(file)) continue;
      const errors = file.result.errors?.length ? file.result.errors : [{ message: `${file.name} failed to load` }];
      file.tasks.push({
        type: 'test',
        id: `${file.id}_load`,
        name: 'the test file loads',
        mode: 'run',
        file,
        suite: file,
        meta: {},
        annotations: [],
        result: { state: 'fail', errors, duration: 0 },
      });
    }
  }
}
