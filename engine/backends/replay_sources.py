"""Where a tf.function replay finds each buffer its trace read, for the backends' replay plans
(engine/tracing.py; engine/backends/cpu/replay.py, engine/backends/gl/replay.py)."""

# A source is (kind, index): the call's argument at index, the Variable the plan reads at index, the plan's
# constant at index, or the output slot at index of an earlier step.
ARGUMENT, VARIABLE, CONSTANT, STEP = range(4)


class TraceSources:
    """Names buffers by where a replay finds them, collecting the Variables and constants the plan reads.

    `traced_variables` is the trace's id(buffer) -> (buffer, Variable); a step's outputs become findable once
    given to `produced(buffer, slot)`."""

    def __init__(self, argument_buffers, traced_variables):
        self._arguments = {}
        for index, buffer in enumerate(argument_buffers):
            self._arguments.setdefault(id(buffer), index)
        self._traced_variables = traced_variables
        self._produced = {}                                # id(buffer) -> output slot
        self.variables, self._variable_index = [], {}      # [Variable], in the order the plan reads them
        self.constants, self._constant_index = [], {}      # [buffer]

    def produced(self, buffer, slot):
        self._produced[id(buffer)] = slot

    def locate(self, buffer):
        key = id(buffer)
        # A Variable made while tracing holds a value that a kernel of the trace computed: later calls read the
        # Variable, not that kernel's result again.
        if key in self._traced_variables:
            if key not in self._variable_index:
                self._variable_index[key] = len(self.variables)
                self.variables.append(self._traced_variables[key][1])
            return VARIABLE, self._variable_index[key]
        if key in self._produced:
            return STEP, self._produced[key]
        if key in self._arguments:
            return ARGUMENT, self._arguments[key]
        if key not in self._constant_index:
            self._constant_index[key] = len(self.constants)
            self.constants.append(buffer)
        return CONSTANT, self._constant_index[key]
