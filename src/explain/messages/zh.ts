/**
 * 中文消息（`explain --lang zh`）：种子笔记自己的语言和比喻——多级审稿的编辑部，实习编辑在底层，
 * 主编在顶层，每位编辑有自己的笔记本（隐藏状态）和固定的审稿标准（权重）。
 */
import type { BackwardRowArgs, Dir, FusionArgs, Messages, Role, TensorAt } from './types.js';

const roleName: Record<Role, string> = {
  only: '唯一的编辑',
  bottom: '实习编辑',
  middle: '正式编辑',
  top: '主编',
};

const dirName: Record<Dir, string> = { forward: '正向', reverse: '反向' };

const tensor = (x: TensorAt): string => `${x.name}（形状 ${x.shape}，范数 ${x.norm}）`;

function fusion(a: FusionArgs): string {
  const who = `第 ${a.layer} 层（${roleName[a.role]}${a.direction ? `，${dirName[a.direction]}` : ''}）`;
  const input = a.fromLayer === null ? ` ${tensor(a.input)}` : `第 ${a.fromLayer} 层${a.bothDirections ? '两个方向并排的' : '的'} ${tensor(a.input)}`;
  const own = a.prevT === null ? '自己的初始状态' : '自己的';
  const prev = a.cPrev ? `${own} ${tensor(a.hPrev)}和 ${tensor(a.cPrev)}` : `${own} ${tensor(a.hPrev)}`;
  const made = a.c ? `${tensor(a.h)}和 ${tensor(a.c)}` : tensor(a.h);
  const next =
    a.above === null
      ? `：这就是 t=${a.t} 时${a.direction ? ` out 的${dirName[a.direction]}一半` : '的 out'}。`
      : `，并把 ${a.h.name} 向上交给第 ${a.above} 层。`;
  return `${who}把${input}与${prev}融合，写出 ${made}${next}`;
}

function backwardRow(a: BackwardRowArgs): string {
  const who = `第 ${a.layer} 层（${roleName[a.role]}${a.direction ? `，${dirName[a.direction]}` : ''}）`;
  if (a.horizon === 0) return `${who}：误差一点也传不到他这里。`;
  const numbers = `t=${a.last} 时 ${a.atLast}，t=${a.first} 时 ${a.atFirst}${a.ratio === null ? '' : `（比值 ${a.ratio}）`}`;
  const entry = a.ratio === null ? `误差不从 t=${a.last} 进入：他只能通过上一级编辑读过的各页分到误差。` : '';
  const felt = a.horizon >= a.steps ? `全部 ${a.steps} 页都还感受得到` : `${a.steps} 页中只有最后 ${a.horizon} 页还感受得到`;
  return `${who}：${numbers}；${felt}。${entry}`;
}

export const zh: Messages = {
  heading: {
    office: '编辑部',
    step: (t, T, requested) => `时间步 t=${t}（${requested < 0 ? `--step ${requested}：` : ''}共 ${T} 步中的${t === T - 1 ? '最后一步' : `第 ${t + 1} 步`}），自下而上`,
    flow: '信息的两个流向',
    outputs: '输出了什么',
    backward: '误差的回传',
  },
  intro: (a) =>
    `${a.module} 就像一个有 ${a.levels} 级编辑的编辑部。` +
    (a.batched
      ? `它同时审阅 ${a.batch} 篇文章（即 ${a.batch} 个序列，批次大小为 ${a.batch}），每篇 ${a.seqLen} 个时间步。`
      : `它审阅一篇 ${a.seqLen} 个时间步的文章（未分批次：没有批次维度）。`),
  notebook: (a) =>
    `每一层是一位编辑。他的笔记本就是隐藏状态 h：每篇文章 ${a.features} 个数，每个时间步都会改写。` +
    '他的审稿标准就是这一层的权重：固定不变，每个时间步都用同一套。',
  story: {
    elman: (a) => `每个时间步只用一条规则：h_t = ${a.nonlinearity}(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)。`,
    lstm: (a) =>
      `${a.name} 的编辑有两本笔记本：h 是他对外展示、向上汇报的笔记；c 是细胞状态，一本从不直接示人的账本。` +
      '每个时间步由四个门决定怎么记，它们都由输入和 h_{t-1} 算出：遗忘门 f 决定旧的 c 留下多少，输入门 i 决定候选内容 g 写进多少，' +
      '输出门 o 决定 tanh(c_t) 中有多少作为 h_t 展示出来：c_t = f ⊙ c_{t-1} + i ⊙ g，h_t = o ⊙ tanh(c_t)。',
    gru: (a) =>
      `${a.name} 的编辑只有一本笔记本 h，没有细胞状态。每个时间步由两个门决定：重置门 r 决定起草候选内容 n 时参考多少旧笔记，` +
      '更新门 z 决定保留多少旧笔记：h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}。',
  },
  gateRole: { input: '输入门', forget: '遗忘门', 'cell-candidate': '候选值', output: '输出门', reset: '重置门', update: '更新门', 'state-candidate': '候选状态' },
  projection: (a) =>
    `设置了 proj_size ${a.proj}，对外的笔记会被压缩：h_t = W_hr (o ⊙ tanh(c_t))，weight_hr 的形状是 (${a.proj}, ${a.hidden})，` +
    `所以 h 只有 ${a.proj} 个特征，而 c 仍保持 hidden_size ${a.hidden}。`,
  bidirectional: (a) =>
    `双向：每一级都有两位编辑，各有自己的笔记本和审稿标准。正向编辑从 t=0 读到 t=${a.last}；` +
    `反向编辑把同一篇文章倒着读，从 t=${a.last} 读到 t=0，所以他的最后一页笔记写在 t=0。` +
    (a.stacked ? `上一级编辑把这两份报告并排拼起来阅读（2 × ${a.features} = ${2 * a.features} 个特征）。` : ''),
  role: (a) => {
    switch (a.role) {
      case 'only':
        return `只有第 0 层：这是一人编辑部，主编直接阅读 x（每个时间步的 x_t 形状为 ${a.inputShape}），他的笔记就是 out。`;
      case 'bottom':
        return `第 0 层是实习编辑，直接阅读输入 x：每个时间步读 x_t，形状 ${a.inputShape}。`;
      case 'middle':
        return `第 ${a.layer} 层是正式编辑，只读第 ${a.layer - 1} 层交上来的报告 h_t ${a.inputShape}，不再看原文 x。`;
      case 'top':
        return `第 ${a.layer} 层是主编，读第 ${a.layer - 1} 层交上来的报告 h_t ${a.inputShape}；他的笔记就是编辑部对外发布的 out。`;
    }
  },
  xShape: (a) => `x 的形状是 ${a.shape} = ${a.dims}，与层数无关。`,
  initialState: (a) =>
    `${a.name} 的形状是 ${a.shape} = ${a.dims}：每位编辑${a.name === 'c_0' ? '第二本笔记本' : '笔记本'}的第一页` +
    `（${a.given ? '由用户提供' : '未提供，全为零'}）${a.batchFirst ? '；batch_first 对它不起作用' : ''}。`,
  focus: (a) => `只展开第 ${a.layer} 层（--layer ${a.layer}）；其他层照常运行。`,
  fusion,
  gates: (a) => `各门在批次和隐藏单元上的平均值：${a.means.map((g) => `${g.role} ${g.name} ${g.mean}`).join('，')}。`,
  normNote: () => '范数指整个切片（所有批次元素和特征）的 L2 范数。',
  validNote: (a) =>
    a.valid === 0
      ? `在 t=${a.t}，${a.batch} 篇文章都已没有输入（--lengths）：每本笔记都保持不变，范数为 0。`
      : `在 t=${a.t}，${a.batch} 篇文章中只有 ${a.valid} 篇还有输入（--lengths）；范数只统计这些文章，其余文章的笔记保持不变。`,
  dropoutNote: (a) => `训练模式下 dropout 为 ${a.p}：上一层读到的是下一层 h_t 经随机屏蔽后的副本；上面列出的输入范数是屏蔽前的值。门的平均值需要按屏蔽后的输入重算，这里不列出。`,
  timeFlow: (a) =>
    '横向（时间，→）：每位编辑把笔记从一个时间步带到下一个时间步，每次都用同一套权重把 h_{t-1} 改写成 h_t。' +
    (a.bidirectional ? `反向编辑则倒着传，从 t=${a.last} 传到 t=0。` : '') +
    `t=${a.from}..${a.to} 的 ‖h_t‖（[ ] 标出 t=${a.t}）：`,
  timeRow: (a) => `第 ${a.layer} 层${a.direction ? dirName[a.direction] : ''}：${a.norms}`,
  depthFlow: (a) =>
    a.top === 0
      ? '纵向（层级，↑）：只有一层，没有纵向传递：x_t 进去，h_t 出来。'
      : `纵向（层级，↑）：在每个时间步，报告都像瀑布一样自下而上，从第 0 层流到第 ${a.top} 层，从不向下；每一层加工的是下一层的报告，而不是 x。`,
  out: (a) =>
    a.half === null
      ? `out 的形状是 ${a.shape} = ${a.dims}：主编一路写下的结论，即第 ${a.top} 层在全部 ${a.seqLen} 个时间步的 h_t${a.ragged ? '（每篇文章超出自身长度的部分为零）' : ''}。下面各层编辑的笔记都不在其中。`
      : `out 的形状是 ${a.shape} = ${a.dims}：在全部 ${a.seqLen} 个时间步上，最高一级（第 ${a.top} 层）两位编辑的笔记并排放在一起：out[..., :${a.half}] 是正向，out[..., ${a.half}:] 是反向。`,
  hN: (a) => {
    const when = a.ragged ? '每篇文章各自最后一个有效时间步' : ` t=${a.last} `;
    return a.bidirectional
      ? `h_n 的形状是 ${a.shape} = ${a.dims}：每位编辑笔记本的最后一页。h_n[2k] 是第 k 层正向编辑在${when}的隐藏状态，h_n[2k+1] 是第 k 层反向编辑在 t=0（他读完的地方）的隐藏状态。因此 h_n[-1] 是最顶层的反向方向，h_n[-2] 才是它的正向方向。`
      : `h_n 的形状是 ${a.shape} = ${a.dims}：每位编辑笔记本的最后一页；h_n[k] 是第 k 层在${when}的隐藏状态。`;
  },
  cN: (a) =>
    `c_n 的形状是 ${a.shape} = ${a.dims}：每位编辑第二本笔记本（细胞状态）的最后一页。它不在 out 中` +
    (a.proj ? `，即使设置了 proj_size ${a.proj}，也仍保持 hidden_size ${a.hidden}。` : '。'),
  lengths: (a) =>
    `设置了 --lengths ${a.lengths}，每篇文章在自己的长度处停下：h_n 保存的是每篇文章在各自最后一个有效时间步（t = ${a.steps}）的状态，此后的 out 全为零。`,
  check: (a) => {
    const value = `max |${a.expression}| = ${a.diff}${a.equal ? '' : '（两者不同）'}`;
    if (a.kind === 'reverse_top') return `核对反向：${value}。反向编辑的最后一页写在 t=0，所以 out 的最后一步并不是两个方向的最终状态。`;
    return a.bidirectional ? `核对正向：${value}。` : `核对：主编的最后一条结论就是他笔记本的最后一页：${value}。`;
  },
  pitfall: (a) =>
    `常见错误是把补齐后的最后一步当作最终状态：max |${a.expression}| = ${a.diff}，批次元素 ${a.differing} 的长度不足 ${a.seqLen}，对它们来说这是错的。` +
    '应当使用 h_n，或者取每篇文章在 lengths[b]-1 处的 out。',
  backward: (a) =>
    `反向传播：主编的误差就是损失 L = ${a.ragged ? '每篇文章最后一个有效时间步' : `t=${a.last} 时`}的 out 之和 = ${a.value}。` +
    '这份误差被逐级交还给每位编辑，再一页一页地传回他笔记本的每一页；‖dL/dh_t‖ 衡量传到第 t 页时还剩多少，不低于最大值的 1% 就算还感受得到：',
  backwardRow,
  backwardX: (a) =>
    `传回原文本身：‖dL/dx_t‖ 在 t=${a.last} 时为 ${a.atLast}，在 t=${a.first} 时为 ${a.atFirst}；` +
    (a.horizon >= a.steps ? '每一个词，直到第一个，都还影响着主编的结论。' : `距结尾超过 ${a.horizon} 步的词几乎不影响主编的结论。`),
};
