import { describe, test } from "node:test";
import { INPUT_FAULTS } from "./corpus.js";
import { checkInputFault } from "./harness.js";
import { SUBJECTS } from "./subjects.js";

// Every command that reads a user file, given every input of the bad-input corpus: the exit
// code and one line say what is wrong, and the input and an earlier run's output stay as they were.
for (const subject of SUBJECTS) {
  describe(subject.name, { concurrency: 2 }, () => {
    for (const fault of INPUT_FAULTS) {
      const expected = subject.inputFaults[fault];
      if (expected === undefined) throw new Error(`${subject.name}: no expected outcome for a ${fault} input`);
      test(`${fault} input: exit ${expected.code}, one clear line, nothing changed`, (t) => checkInputFault(t, subject, fault, expected));
    }
  });
}
