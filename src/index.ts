/**
 * rnn-inspect as a library: PyTorch-exact RNN, LSTM and GRU (stacked and as cells) over float32
 * tensors, with a per-layer, per-step trace of every forward pass.
 */
export { RNN, LSTM, GRU, Recurrent } from './modules/recurrent.js';
export type { ForwardOptions, ForwardResult, ForwardState, LayerTrace, ProgressObserver, StepObserver, Trace, TraceStats } from './modules/recurrent.js';
export type { BackwardOptions, BackwardResult, Connectivity, StepGradients } from './modules/recurrent.js';
export { estimateBackward } from './modules/memory.js';
export { lossKinds, lossDefinitions } from './modules/run/loss.js';
export type { LossKind } from './modules/run/loss.js';
export { statsAt, summarize } from './modules/layer/trace-stats.js';
export { RNNCell, LSTMCell, GRUCell, CellBase } from './modules/cell.js';
export type { CellBackwardOptions, CellOptions } from './modules/cell.js';
export type { RecurrentOptions, RecurrentConfig } from './modules/layer/config.js';
export type { ParameterSpec } from './modules/layer/parameters.js';
export { kinds, kindNames, kindOf } from './modules/kinds/index.js';
export type { CellKind, KindName } from './modules/kinds/index.js';
export { kernelNames, kernelFor } from './kernels/kernel.js';
export type { Kernel, KernelChoice, KernelName, Product } from './kernels/kernel.js';
export { Tensor, formatShape, numel } from './tensor/tensor.js';
export type { Shape, Nested } from './tensor/tensor.js';
export { tensorFromNested } from './tensor/nested.js';
export { RnnInspectError, UsageError, ConfigError, ShapeError, FormatError, BudgetError, InternalError } from './errors.js';
export { WARNING_CODES, warningCodes, type Warning, type WarningCode } from './warnings.js';
export { Embedding } from './modules/embedding.js';
export type { EmbeddingOptions, TokenIds } from './modules/embedding.js';
export { Linear } from './modules/linear.js';
export type { LinearOptions } from './modules/linear.js';
export { selectFeatures } from './modules/select.js';
export type { Select } from './modules/select.js';
export { Pipeline, isTokenIds } from './modules/pipeline.js';
export type { PipelineStage, RecurrentStage, EmbeddingStage, LinearStage, PipelineInput, StageRun, RecurrentRun, LayerRun } from './modules/pipeline.js';
export type { PipelineSpec, ModuleSpec, RecurrentSpec, EmbeddingSpec, LinearSpec } from './schema/pipeline.js';
export { readTokenIdsFile } from './io/ids.js';
export { inferModules } from './modules/infer-config.js';
export type { InferredModule, InferredModules } from './modules/infer-config.js';
export { readTensorFile, readTensorsFile, writeTensorsFile, formats } from './io/index.js';
export type { StoredTensor, TensorFile, TensorFormat } from './io/index.js';
export { inspectShapes } from './report/index.js';
export { inspectFile } from './report/inspect-file.js';
export { buildGradReport, inspectGradients, largestSingularValue, decayOf, estimateGrad } from './report/grad-report.js';
export type { GradReportOptions, InspectGradientsOptions } from './report/grad-report.js';
export type { InspectOptions } from './report/index.js';
export { doctor } from './diagnose/index.js';
export type { DoctorShapes, PartialModule } from './diagnose/index.js';
export { explain, narrate, catalogues, languages } from './explain/index.js';
export type { ExplainOptions, Lang, Messages } from './explain/index.js';
export { renderHtmlReport, htmlReportBytes, MAX_REPORT_VALUES } from './html/report.js';
export type { HtmlDocument, HtmlReportOptions } from './html/report.js';
export { gateCollector } from './report/gate-stats.js';
export type { GateStats, GateStep } from './report/gate-stats.js';
export { differenceResult } from './report/difference.js';
export { buildRunReport } from './report/run-report.js';
export type { ReportOptions } from './report/run-report.js';
export type { PipelineDocument } from './schema/pipeline.js';
export type { RunReport, CompareReport, PipelineReport, InspectReport, DoctorReport, ExplainReport, GradReport } from './schema/index.js';
// The float64 mathjs reference is a subpath export, `rnn-inspect/reference`, so that importing the
// engine does not load mathjs (about half a second).
