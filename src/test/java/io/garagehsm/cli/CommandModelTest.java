package io.garagehsm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.annotation.Annotation;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IAnnotatedElement;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.IScope;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.ITypeInfo;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.ParserSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The model generated at build time (GeneratedCommandModels, see {@link CommandModel}) is picocli's
 * reflective model: for every command of the tree, every attribute that picocli's model API shows
 * is equal, and help is byte-identical.
 */
class CommandModelTest {
  private static CliContext context() {
    return new CliContext(
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        Map.of(),
        Cli.at("2026-01-01T00:00:00Z"));
  }

  private static List<CommandLine> all(CommandLine top) {
    List<CommandLine> out = new ArrayList<>();
    collect(top, out);
    return out;
  }

  private static void collect(CommandLine cl, List<CommandLine> out) {
    out.add(cl);
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getCommandSpec().parent() == cl.getCommandSpec() && !out.contains(sub)) {
        collect(sub, out);
      }
    }
  }

  @Test
  void theBuildGeneratedAModelForEveryCommandOfTheTree() {
    assertNotNull(CommandModel.generated(), CommandModel.GENERATED + " is missing from the build");
    int before = CommandModel.REFLECTIVE.get();
    List<CommandLine> commands = all(Main.commandLine(context(), null, true));
    assertEquals(before, CommandModel.REFLECTIVE.get(), "commands built by reflection");
    assertEquals(all(Main.commandLine(context(), null, false)).size(), commands.size());
    for (CommandLine cl : commands) {
      Object user = cl.getCommandSpec().userObject();
      assertNotNull(
          CommandModel.generated().spec(user, cl.getFactory()), user.getClass().getName());
    }
    // and the reflective reference is what it says
    assertTrue(CommandModel.REFLECTIVE.get() > before);
  }

  @Test
  void everyCommandsHelpIsByteIdenticalToTheReflectiveModels() {
    List<CommandLine> generated = all(Main.commandLine(context(), null, true));
    List<CommandLine> reflective = all(Main.commandLine(context(), null, false));
    assertEquals(names(reflective), names(generated));
    for (int i = 0; i < generated.size(); i++) {
      assertEquals(
          reflective.get(i).getUsageMessage(),
          generated.get(i).getUsageMessage(),
          reflective.get(i).getCommandSpec().qualifiedName());
    }
    assertEquals(version(reflective.get(0)), version(generated.get(0)));
  }

  @Test
  void everyCommandsSpecEqualsTheReflectiveSpecInEveryAttribute() throws Exception {
    List<CommandLine> generated = all(Main.commandLine(context(), null, true));
    List<CommandLine> reflective = all(Main.commandLine(context(), null, false));
    assertEquals(names(reflective), names(generated));
    Comparison c = new Comparison();
    for (int i = 0; i < generated.size(); i++) {
      c.compare(
          reflective.get(i).getCommandSpec().qualifiedName(),
          reflective.get(i).getCommandSpec(),
          generated.get(i).getCommandSpec());
    }
    assertTrue(c.differences.isEmpty(), String.join("\n", c.differences));
    assertTrue(c.compared > 20_000, "attributes compared: " + c.compared);
  }

  /** The comparison itself finds a difference (a test that cannot fail is a defect). */
  @Test
  void theComparisonSeesADifferentAttribute() throws Exception {
    CommandSpec a = Main.commandLine(context(), null, false).getCommandSpec();
    CommandSpec b = Main.commandLine(context(), null, true).getCommandSpec();
    b.usageMessage().hidden(true);
    Comparison c = new Comparison();
    c.compare("garage-hsm", a, b);
    assertTrue(
        c.differences.stream().anyMatch(d -> d.contains("hidden")),
        String.join("\n", c.differences));
  }

  @Test
  void aMemberReadsAndWritesItsField() throws Exception {
    CommandLine cl = Main.commandLine(context(), new String[] {"root", "sign"}, true);
    CommandSpec sign =
        cl.getSubcommands().get("root").getSubcommands().get("sign").getCommandSpec();
    OptionSpec k = sign.findOption("-k");
    assertTrue(k.getter() instanceof GeneratedMember, k.getter().getClass().getName());
    cl.parseArgs("root", "sign", "--repo", "r", "-k", "a", "-k", "b", "--old-root-alias", "c");
    RootSignCommand command = (RootSignCommand) sign.userObject();
    assertEquals(List.of("a", "b"), command.names);
    assertEquals("c", command.oldRootAlias);
    assertEquals("c", sign.findOption("--old-root-alias").getValue());
  }

  /** A generator that meets something it cannot reproduce fails rather than differing. */
  @Test
  void theGeneratorFailsOnWhatItCannotReproduce() {
    assertThrows(
        CommandModelGenerator.Unsupported.class,
        () -> {
          throw new CommandModelGenerator.Unsupported("x");
        });
    assertEquals("\"a\\u2026\\n\\\"\"", CommandModelGenerator.literal("a…\n\""));
  }

  private static List<String> names(List<CommandLine> commands) {
    return commands.stream().map(c -> c.getCommandSpec().qualifiedName()).toList();
  }

  private static String version(CommandLine cl) {
    StringWriter w = new StringWriter();
    cl.printVersionHelp(new PrintWriter(w));
    return w.toString();
  }

  /** Walks two models side by side through every public no-argument accessor. */
  private static final class Comparison {
    private static final Set<String> SKIPPED =
        Set.of(
            "hashCode",
            "getClass",
            "notify",
            "notifyAll",
            "wait",
            "copy",
            "build",
            "clone",
            "validate",
            "builder",
            "iterator",
            "stream",
            "parallelStream",
            "spliterator");
    private static final List<String> MUTATORS =
        List.of("set", "reset", "clear", "apply", "add", "remove", "update", "init", "inherit");
    private static final List<Class<?>> MODELS =
        List.of(
            CommandSpec.class,
            UsageMessageSpec.class,
            ParserSpec.class,
            OptionSpec.class,
            PositionalParamSpec.class,
            ArgGroupSpec.class);

    final List<String> differences = new ArrayList<>();
    int compared;
    private final Map<Object, Object> seen = new IdentityHashMap<>();

    void compare(String path, Object a, Object b) throws Exception {
      compared++;
      if (path.length() > 1500) {
        throw new AssertionError("too deep: " + path);
      }
      if (a == null || b == null) {
        if (a != b) {
          differences.add(path + ": " + a + " vs " + b);
        }
        return;
      }
      if (value(a)) {
        shallow(path, a, b);
        return;
      }
      if (a instanceof CommandLine ca && b instanceof CommandLine cb) {
        compare(path + ".spec", ca.getCommandSpec(), cb.getCommandSpec());
        return;
      }
      if (a instanceof Field f) { // picocli's member is the field; ours is a GeneratedMember
        if (!(b instanceof GeneratedMember m) || !m.getName().equals(f.getName())) {
          differences.add(path + ": field " + f + " vs " + b);
        }
        return;
      }
      if (a instanceof IScope sa && b instanceof IScope sb) {
        sameClass(path + ".get()", sa.get(), sb.get());
        return;
      }
      if (a instanceof IGetter ga && b instanceof IGetter gb) {
        shallow(path + ".get()", get(ga), get(gb));
        return;
      }
      if (a instanceof ISetter) {
        sameKind(path, a, b);
        return;
      }
      Class<?> model = model(a);
      if (model != null) {
        if (seen.containsKey(a)) {
          if (seen.get(a) != b) {
            differences.add(path + ": a model object met again beside another");
          }
          return;
        }
        seen.put(a, b);
        if (!model.isInstance(b)) {
          differences.add(path + ": " + a.getClass() + " vs " + b.getClass());
          return;
        }
        for (Method m : accessors(model)) {
          if (m.getName().equals("getAuxiliaryTypeInfos") && path.endsWith("Infos()[0]")) {
            continue; // an element type's own element types: itself again, without end
          }
          Object va = invoke(m, a);
          Object vb = invoke(m, b);
          if (m.getName().equals("toString")) {
            shallow(path + ".toString()", normal(va), normal(vb));
          } else {
            compare(path + "." + m.getName() + "()", va, vb);
          }
        }
        if (a instanceof IAnnotatedElement ea) {
          annotations(path, ea, (IAnnotatedElement) b);
        }
        return;
      }
      if (a.getClass().isArray()) {
        if (!b.getClass().isArray() || Array.getLength(a) != Array.getLength(b)) {
          differences.add(path + ": " + describe(a) + " vs " + describe(b));
          return;
        }
        for (int i = 0; i < Array.getLength(a); i++) {
          compare(path + "[" + i + "]", Array.get(a, i), Array.get(b, i));
        }
        return;
      }
      if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
        compare(path + ".keys", List.copyOf(ma.keySet()).toArray(), mb.keySet().toArray());
        for (Map.Entry<?, ?> e : ma.entrySet()) {
          compare(path + "[" + e.getKey() + "]", e.getValue(), mb.get(e.getKey()));
        }
        return;
      }
      if (a instanceof Collection<?> ca && b instanceof Collection<?> cb) {
        compare(path, ca.toArray(), cb.toArray());
        return;
      }
      if (a instanceof Iterable<?> ia && b instanceof Iterable<?> ib) {
        compare(path, list(ia).toArray(), list(ib).toArray());
        return;
      }
      shallow(path, a, b);
    }

    private void annotations(String path, IAnnotatedElement a, IAnnotatedElement b)
        throws Exception {
      for (Class<? extends Annotation> type :
          List.of(
              CommandLine.Option.class,
              CommandLine.Parameters.class,
              CommandLine.Mixin.class,
              CommandLine.ArgGroup.class,
              CommandLine.Spec.class,
              CommandLine.ParentCommand.class,
              CommandLine.Unmatched.class)) {
        Annotation x = a.getAnnotation(type);
        Annotation y = b.getAnnotation(type);
        if (x == null || y == null) {
          if (x != y) {
            differences.add(path + " @" + type.getSimpleName() + ": " + x + " vs " + y);
          }
          continue;
        }
        for (Method m : type.getDeclaredMethods()) {
          compare(path + " @" + type.getSimpleName() + "." + m.getName(), m.invoke(x), m.invoke(y));
        }
      }
    }

    private static Object get(IGetter g) {
      try {
        return g.get();
      } catch (Exception e) {
        return "threw " + e.getClass().getName() + ": " + e.getMessage();
      }
    }

    private static List<Object> list(Iterable<?> it) {
      List<Object> out = new ArrayList<>();
      for (Iterator<?> i = it.iterator(); i.hasNext(); ) {
        out.add(i.next());
      }
      return out;
    }

    /** Identity hash codes differ between two instances of the same command. */
    private static Object normal(Object s) {
      return s == null ? null : s.toString().replaceAll("@[0-9a-f]+", "@");
    }

    private static Object invoke(Method m, Object target) {
      try {
        return m.invoke(target);
      } catch (InvocationTargetException e) {
        return "threw " + e.getCause().getClass().getName();
      } catch (IllegalAccessException e) {
        throw new AssertionError(m.toString(), e);
      }
    }

    private static Class<?> model(Object o) {
      for (Class<?> c : MODELS) {
        if (c.isInstance(o)) {
          return c;
        }
      }
      if (o instanceof IAnnotatedElement) {
        return IAnnotatedElement.class;
      }
      if (o instanceof ITypeInfo) {
        return ITypeInfo.class;
      }
      return null;
    }

    private static List<Method> accessors(Class<?> model) {
      List<Method> out = new ArrayList<>();
      for (Method m : model.getMethods()) {
        if (m.getParameterCount() == 0
            && !Modifier.isStatic(m.getModifiers())
            && m.getReturnType() != void.class
            && !SKIPPED.contains(m.getName())
            && MUTATORS.stream().noneMatch(p -> m.getName().startsWith(p))) {
          out.add(m);
        }
      }
      out.sort(Comparator.comparing(Method::getName));
      return out;
    }

    /** Values: equal; objects of ours or picocli's (converters, providers): the same class. */
    private void shallow(String path, Object a, Object b) {
      compared++;
      if (a == null || b == null) {
        if (a != b) {
          differences.add(path + ": " + a + " vs " + b);
        }
      } else if (value(a)) {
        if (!a.equals(b)) {
          differences.add(path + ": " + describe(a) + " vs " + describe(b));
        }
      } else if (a.getClass().isArray()) {
        if (!Arrays.deepEquals(new Object[] {a}, new Object[] {b})) {
          differences.add(path + ": " + describe(a) + " vs " + describe(b));
        }
      } else {
        sameClass(path, a, b);
      }
    }

    private void sameClass(String path, Object a, Object b) {
      if ((a == null) != (b == null) || (a != null && a.getClass() != b.getClass())) {
        differences.add(path + ": " + describe(a) + " vs " + describe(b));
      }
    }

    /** Two bindings: picocli's own or ours (a GeneratedMember), never something else. */
    private void sameKind(String path, Object a, Object b) {
      if (a.getClass() != b.getClass() && !(b instanceof GeneratedMember)) {
        differences.add(path + ": " + describe(a) + " vs " + describe(b));
      }
    }

    private static boolean value(Object o) {
      return o instanceof String
          || o instanceof Number
          || o instanceof Boolean
          || o instanceof Character
          || o instanceof Enum<?>
          || o instanceof Class<?>
          || o instanceof CommandLine.Range
          || o instanceof java.nio.file.Path;
    }

    private static String describe(Object o) {
      if (o == null) {
        return "null";
      }
      if (o.getClass().isArray()) {
        return Arrays.deepToString(new Object[] {o});
      }
      return o.getClass().getName() + ":" + o;
    }
  }
}
