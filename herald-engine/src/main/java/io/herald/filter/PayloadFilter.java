package io.herald.filter;

import com.google.protobuf.ByteString;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelEvaluationListener;
import dev.cel.runtime.CelRuntime;
import io.herald.BoundedCache;
import io.herald.BudgetExceeded;
import io.herald.HeraldException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * An endpoint's payload filter: a CEL expression over {@code type} (the event type),
 * {@code channels} (the message's channels, a list) and {@code data} (the payload, a map). It is
 * checked when the endpoint is saved and evaluated at publish, before anything is queued.
 *
 * <p>JSON integers are CEL {@code int}s (a number beyond 64 bits becomes a {@code double}),
 * decimals are {@code double}s, and the two compare with each other ({@code data.severity >= 2.5}
 * with an integer severity). Any evaluation error, such as a field the payload does not have, a
 * wrong type or an overflow, makes the filter false: it never fails a publish. Not guaranteed:
 * that an expression whose error branch is hidden by short-circuiting ({@code true || data.x})
 * would fail elsewhere; CEL's {@code ||} and {@code &&} absorb errors as the CEL spec says.
 */
public final class PayloadFilter {
    public static final int MAX_LENGTH = 4096;
    /** Expressions evaluated in one run of a filter (each step of each comprehension counts). */
    public static final long MAX_EVALUATIONS = 1_000_000;
    /** Characters (and bytes) of the strings one run of a filter may produce, e.g. by {@code +}. */
    public static final long MAX_PRODUCED_CHARS = 8L * 1024 * 1024;
    /**
     * Comprehensions (macros such as {@code exists}, {@code map}) nested inside another's loop: each
     * may run {@value #MAX_ITERATIONS} times, so two deep is already 10^8 steps at most, and three
     * deep is refused when saved.
     */
    public static final int MAX_NESTED_COMPREHENSIONS = 2;
    static final int MAX_ITERATIONS = 10_000;
    private static final int CACHE_SIZE = 1024;

    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setOptions(CelOptions.current()
                    .enableHeterogeneousNumericComparisons(true)
                    // A filter runs on every publish: bound what one expression may cost.
                    .comprehensionMaxIterations(MAX_ITERATIONS)
                    .maxParseRecursionDepth(64)
                    .maxParseExpressionNodeCount(1_000)
                    .build())
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("type", SimpleType.STRING)
            .addVar("channels", ListType.create(SimpleType.STRING))
            .addVar("data", MapType.create(SimpleType.STRING, SimpleType.DYN))
            .build();

    private static final BoundedCache<PayloadFilter> CACHE = new BoundedCache<>(CACHE_SIZE);

    private final CelRuntime.Program program;

    private PayloadFilter(CelRuntime.Program program) {
        this.program = program;
    }

    /** Parses and type-checks; a bad expression is refused naming {@code field} with line and column. */
    public static PayloadFilter compile(String field, String expression) {
        if (expression == null || expression.isBlank()) {
            throw new HeraldException.InvalidInput(field, "must be a CEL expression, or be omitted");
        }
        if (expression.length() > MAX_LENGTH) {
            throw new HeraldException.InvalidInput(field, "must be at most " + MAX_LENGTH + " characters long");
        }
        CelAbstractSyntaxTree ast;
        try {
            ast = CEL.compile(expression).getAst();
        } catch (CelValidationException e) {
            throw new HeraldException.InvalidInput(field, describe(e));
        }
        int nesting = comprehensionNesting(ast);
        if (nesting > MAX_NESTED_COMPREHENSIONS) {
            throw new HeraldException.InvalidInput(field, "nests " + nesting + " macros (exists, all, map, filter…) inside each "
                    + "other's loops; at most " + MAX_NESTED_COMPREHENSIONS + " are allowed, as each may run "
                    + MAX_ITERATIONS + " times");
        }
        var result = ast.getResultType();
        if (!result.equals(SimpleType.BOOL) && !result.equals(SimpleType.DYN)) {
            throw new HeraldException.InvalidInput(field, "must give true or false, but gives " + result.name());
        }
        try {
            return new PayloadFilter(CEL.createProgram(ast));
        } catch (CelEvaluationException e) {
            throw new HeraldException.InvalidInput(field, "cannot be evaluated: " + e.getMessage());
        }
    }

    /**
     * The deepest chain of comprehensions each inside another's loop (its condition or step), where
     * their iteration counts multiply. A comprehension over another's result ({@code
     * data.a.filter(…).exists(…)}) runs after it, not inside it, and does not count.
     */
    static int comprehensionNesting(CelAbstractSyntaxTree ast) {
        return CelNavigableAst.fromAst(ast).getRoot().allNodes()
                .filter(n -> n.getKind() == CelExpr.ExprKind.Kind.COMPREHENSION)
                .mapToInt(PayloadFilter::loopsAround)
                .max().orElse(0);
    }

    private static int loopsAround(CelNavigableExpr node) {
        int depth = 1;
        CelNavigableExpr child = node;
        for (var parent = node.parent(); parent.isPresent(); parent = parent.get().parent()) {
            CelNavigableExpr p = parent.get();
            if (p.getKind() == CelExpr.ExprKind.Kind.COMPREHENSION) {
                var c = p.expr().comprehension();
                if (child.id() == c.loopStep().id() || child.id() == c.loopCondition().id()) {
                    depth++;
                }
            }
            child = p;
        }
        return depth;
    }

    private static String describe(CelValidationException e) {
        List<String> parts = new ArrayList<>();
        for (CelIssue issue : e.getErrors()) {
            var at = issue.getSourceLocation();
            parts.add("line " + at.getLine() + ", column " + (at.getColumn() + 1) + ": " + issue.getMessage());
        }
        return parts.isEmpty() ? e.getMessage() : String.join("; ", parts);
    }

    /** {@link #compile} through a bounded cache; for expressions that were checked when saved. */
    public static PayloadFilter cached(String expression) {
        return CACHE.get(expression, e -> {
            try {
                return compile("filter", e);
            } catch (HeraldException.InvalidInput invalid) {
                throw new IllegalStateException("a stored filter no longer compiles: " + invalid.getMessage(), invalid);
            }
        });
    }

    /**
     * True when the message passes; any evaluation error is false, and so is a run over its budget
     * ({@link #MAX_EVALUATIONS}, {@link #MAX_PRODUCED_CHARS}, or an interrupt from
     * {@link io.herald.TenantWork}'s time limit): such a message is not queued for the endpoint.
     */
    public boolean matches(Subject subject) {
        try {
            return Boolean.TRUE.equals(program.trace(subject.variables, new Budget()));
        } catch (CelEvaluationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Counts what one run costs, expression by expression, and stops it past a cap. The string a
     * step produced already exists when it is counted, but each is at most twice the budget (the
     * largest {@code +} of two strings within it), so memory stays bounded.
     */
    private static final class Budget implements CelEvaluationListener {
        private long evaluations;
        private long produced;

        @Override
        public void callback(CelExpr expr, Object result) {
            if (++evaluations > MAX_EVALUATIONS) {
                throw new BudgetExceeded("the filter evaluated more than " + MAX_EVALUATIONS + " expressions");
            }
            if ((evaluations & 1023) == 0 && Thread.currentThread().isInterrupted()) {
                throw new BudgetExceeded("the filter ran out of time");
            }
            // Selecting a member or naming a variable allocates nothing; calls make new values.
            if (expr.getKind() == CelExpr.ExprKind.Kind.CALL) {
                if (result instanceof String s) {
                    produced += s.length();
                } else if (result instanceof CelByteString b) {
                    produced += b.size();
                } else if (result instanceof ByteString b) {
                    produced += b.size();
                }
                if (produced > MAX_PRODUCED_CHARS) {
                    throw new BudgetExceeded("the filter produced more than " + MAX_PRODUCED_CHARS + " characters of strings");
                }
            }
        }
    }

    /** The event as the filters see it: built once per published message, shared by every filter. */
    public static Subject subject(String type, Set<String> channels, JsonNode payload) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("type", type);
        vars.put("channels", channels == null ? List.of() : List.copyOf(new TreeSet<>(channels)));
        vars.put("data", toCel(payload));
        return new Subject(Map.copyOf(vars));
    }

    /** The variables one message gives its filters. */
    public static final class Subject {
        private final Map<String, Object> variables;

        private Subject(Map<String, Object> variables) {
            this.variables = variables;
        }
    }

    static Object toCel(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new HashMap<>();
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                m.put(e.getKey(), toCel(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>(n.size());
            n.forEach(v -> l.add(toCel(v)));
            return l;
        }
        if (n.isIntegralNumber()) {
            BigInteger big = n.bigIntegerValue();
            return big.bitLength() < 64 ? (Object) big.longValue() : (Object) big.doubleValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isString()) {
            return n.asString();
        }
        return NullValue.NULL_VALUE;
    }
}
