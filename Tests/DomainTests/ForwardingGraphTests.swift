import Domain
import Foundation
import Testing

/// CIRCULARLEVEL (admin guide 9.6.2): the graph of forwards and the loop a new forward would close.
@Suite struct ForwardingGraphTests {
    func edge(_ from: String, _ to: String, rule: Int64? = nil) -> ForwardingGraph.Edge {
        ForwardingGraph.Edge(from: from, to: to, kind: .immediate, via: rule == nil ? .pbx : .rule, ruleId: rule)
    }

    @Test func levelZeroChecksNothingEvenAForwardToItself() {
        let graph = ForwardingGraph([edge("B", "A")])
        #expect(graph.loop(from: "A", to: "A", level: 0) == nil)
        #expect(graph.loop(from: "A", to: "B", level: 0) == nil)
    }

    @Test func levelOneRefusesOnlyAForwardToItself() {
        let graph = ForwardingGraph([edge("B", "A")])
        #expect(graph.loop(from: "A", to: "A", level: 1) == ["A", "A"])
        #expect(graph.loop(from: "A", to: "B", level: 1) == nil)
    }

    @Test func levelTwoRefusesABackAndForthButNotALongerRound() {
        let back = ForwardingGraph([edge("B", "A")])
        #expect(back.loop(from: "A", to: "B", level: 2) == ["A", "B", "A"])
        let round = ForwardingGraph([edge("B", "C"), edge("C", "A")])
        #expect(round.loop(from: "A", to: "B", level: 2) == nil)
        #expect(round.loop(from: "A", to: "B", level: 3) == ["A", "B", "C", "A"])
    }

    @Test func theShortestWayBackIsNamedAndDeadEndsCloseNothing() {
        let graph = ForwardingGraph([edge("B", "C"), edge("C", "D"), edge("D", "A"), edge("B", "E"), edge("E", "A"), edge("F", "A")])
        #expect(graph.loop(from: "A", to: "B", level: 5) == ["A", "B", "E", "A"])
        #expect(graph.loop(from: "A", to: "X", level: 5) == nil)
        // A cycle that does not pass through A is no loop of A's forward.
        let cycle = ForwardingGraph([edge("B", "C"), edge("C", "B")])
        #expect(cycle.loop(from: "A", to: "B", level: 10) == nil)
    }

    @Test func removingARuleTakesOutOnlyItsEdges() {
        var graph = ForwardingGraph([edge("B", "A", rule: 7), edge("B", "C", rule: 8)])
        graph.remove(ruleId: 7)
        #expect(graph.edges == [edge("B", "C", rule: 8)])
        #expect(graph.loop(from: "A", to: "B", level: 2) == nil)
    }
}
